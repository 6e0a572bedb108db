/** A failed read API call: its status and documented error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GETs a read API path with the session cookie; throws {@link ApiError} on a non-2xx. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) return failed(res);
  return (await res.json()) as T;
}

/** Throws the documented error of a non-2xx answer as an {@link ApiError}. */
async function failed(res: Response): Promise<never> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  throw new ApiError(res.status, body?.error?.code ?? 'internal_error', body?.error?.message ?? `HTTP ${res.status}`);
}

/** POSTs JSON with the session cookie (the browser adds `Origin`: the API's same-origin check); throws {@link ApiError} on a non-2xx. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) return failed(res);
  return (await res.json()) as T;
}

/** GETs a path as text (the raw body of an event). */
export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, 'internal_error', `HTTP ${res.status}`);
  return res.text();
}

/** A query string of the non-empty values. */
export function queryOf(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A list page of the read API. */
export interface Page<T> {
  readonly data: T[];
  readonly next_cursor: string | null;
}

/** A page of the event list: with the live stream's cursor, read before the page's rows. */
export interface EventPage<T> extends Page<T> {
  readonly stream_cursor: string;
}

/** An event as the list and the stream show it. */
export interface EventSummary {
  readonly id: number;
  readonly event: string;
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly event_at: string;
  readonly received_at: string;
  /** Its forwarding state (lists only: the live stream does not carry it; null: never queued). */
  readonly forwarding?: Forwarding | null;
}

/** An event as `/api/events/:id` shows it. */
export interface EventDetail extends EventSummary {
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly idempotency_key: string;
  readonly registration_id: string | null;
  readonly device_os: string | null;
  readonly wallet: string | null;
  readonly voided: boolean;
  readonly redeemed_count: number;
  /** Later deliveries of this event answered as duplicates. */
  readonly duplicates: number;
  readonly payload: unknown;
}

/** An event's outbox state (`null`: never queued for forwarding). */
export interface Forwarding {
  readonly state: 'pending' | 'delivered' | 'failed' | 'cancelled';
  readonly attempts: number;
  readonly queued_at: number;
  readonly next_attempt_at: number;
  readonly finished_at: number | null;
  readonly replay_id: number | null;
}

/** One forwarding attempt of an event. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly started_at: number;
  readonly duration_ms: number;
  readonly status: number | null;
  readonly outcome: string;
  readonly response_excerpt: string;
  readonly replay_id: number | null;
}

/** A replay's progress. */
export interface Replay {
  readonly id: number;
  readonly state: 'running' | 'queued' | 'done' | 'cancelled';
  readonly matched: number;
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: number;
}
