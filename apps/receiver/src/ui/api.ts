import type { DeliveryAttemptRow, EventView, OutboxRow, ReplayRow } from '../api/wire-types.ts';

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
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
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

export type { EventPage, Page, PassDetailView, Registration, RejectionView, StatsView, TimelineView } from '../api/wire-types.ts';

/** An event as the list and the stream show it (the stream's rows carry no forwarding state). */
export type EventSummary = Pick<EventView, 'id' | 'event' | 'pass_id' | 'campaign_id' | 'event_at' | 'received_at'> & {
  readonly forwarding?: OutboxRow | null;
};

/** An event as `/api/events/:id` shows it. */
export type EventDetail = EventView;

/** An event's outbox state (`null`: never queued for forwarding). */
export type Forwarding = OutboxRow;

/** One forwarding attempt of an event. */
export type DeliveryAttempt = DeliveryAttemptRow;

/** A replay's progress. */
export type Replay = Pick<ReplayRow, 'id' | 'state' | 'matched' | 'sent' | 'succeeded' | 'failed'>;
