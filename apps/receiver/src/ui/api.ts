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
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(res.status, body?.error?.code ?? 'internal_error', body?.error?.message ?? `HTTP ${res.status}`);
  }
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

/** An event as the list and the stream show it. */
export interface EventSummary {
  readonly id: number;
  readonly event: string;
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly event_at: string;
  readonly received_at: string;
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
