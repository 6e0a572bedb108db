import type { UnknownPassEvent } from './pass-event.js';

/** Maps an event to its idempotency key. Replaceable through the handler's `idempotencyKey` option. */
export type IdempotencyKeyFunction = (event: UnknownPassEvent) => string;

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WHOLE_SECONDS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Normalises an ISO 8601 date-time to the instant it names, in one spelling:
 * `2016-08-10T11:30:06Z`, `2016-08-10T11:30:06.000Z` and
 * `2016-08-10T11:30:06.000+00:00` all give `2016-08-10T11:30:06.000Z`.
 * Digits past the millisecond are kept (trailing zeros dropped), so distinct
 * microsecond instants stay distinct. A string that is not a date-time is
 * returned as it is.
 */
export function normaliseInstant(value: string): string {
  // Fast path for the two UTC spellings most deliveries use: no Date needed.
  if (CANONICAL.test(value)) return value;
  if (WHOLE_SECONDS_UTC.test(value)) return `${value.slice(0, -1)}.000Z`;
  const upper = value.toUpperCase();
  const ms = Date.parse(upper);
  if (Number.isNaN(ms)) return value;
  const iso = new Date(ms).toISOString();
  const beyondMs = (/T[\d:]+\.\d{3}(\d+)/.exec(upper)?.[1] ?? '').replace(/0+$/, '');
  return beyondMs === '' ? iso : `${iso.slice(0, -1)}${beyondMs}Z`;
}

/**
 * The canonical idempotency key: `pass_id` (a UUID, so case does not
 * matter), `event` and the normalised `event_at` instant. The platform sends no event id; these three name one
 * event of one pass.
 */
export const defaultIdempotencyKey: IdempotencyKeyFunction = (event) =>
  `${event.pass_id.toLowerCase()}:${event.event}:${normaliseInstant(event.event_at)}`;
