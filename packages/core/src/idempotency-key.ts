import type { UnknownPassEvent } from './pass-event.js';

/** Maps an event to its idempotency key. Replaceable through the handler's `idempotencyKey` option. */
export type IdempotencyKeyFunction = (event: UnknownPassEvent) => string;

/**
 * Normalises an ISO 8601 date-time to the instant it names, in one spelling:
 * `2016-08-10T11:30:06Z`, `2016-08-10T11:30:06.000Z` and
 * `2016-08-10T11:30:06.000+00:00` all give `2016-08-10T11:30:06.000Z`.
 * Digits past the millisecond are kept (trailing zeros dropped), so distinct
 * microsecond instants stay distinct. A string that is not a date-time is
 * returned as it is.
 */
export function normaliseInstant(value: string): string {
  const upper = value.toUpperCase();
  const ms = Date.parse(upper);
  if (Number.isNaN(ms)) return value;
  const iso = new Date(ms).toISOString();
  const beyondMs = (/T[\d:]+\.\d{3}(\d+)/.exec(upper)?.[1] ?? '').replace(/0+$/, '');
  return beyondMs === '' ? iso : `${iso.slice(0, -1)}${beyondMs}Z`;
}

/**
 * The canonical idempotency key: `pass_id`, `event` and the normalised
 * `event_at` instant. The platform sends no event id; these three name one
 * event of one pass.
 */
export const defaultIdempotencyKey: IdempotencyKeyFunction = (event) =>
  `${event.pass_id}:${event.event}:${normaliseInstant(event.event_at)}`;
