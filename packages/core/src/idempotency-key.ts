import { parseInstant } from './instant.js';
import type { UnknownPassEvent } from './pass-event.js';

/** Maps an event to its idempotency key. Replaceable through the handler's `idempotencyKey` option. */
export type IdempotencyKeyFunction = (event: UnknownPassEvent) => string;

// Seconds 00-59 only: a leap second (:60) takes the general path.
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d\.\d{3}Z$/;
const WHOLE_SECONDS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\dZ$/;

/**
 * Normalises an RFC 3339 date-time to the one spelling of the instant it
 * names ({@link parseInstant}'s `iso`): `2016-08-10T11:30:06Z`,
 * `2016-08-10T11:30:06.000Z`, `2016-08-10t13:30:06+02:00` all give
 * `2016-08-10T11:30:06.000Z`. Digits past the millisecond are kept to the
 * nanosecond (trailing zeros dropped), so distinct microsecond instants stay
 * distinct; a leap second is `23:59:59.999999999Z`. Meant for strings
 * `parseInstant` accepts (validation refuses any other event first); a
 * string that is not a date-time is returned as it is.
 */
export function normaliseInstant(value: string): string {
  // Fast path for the two UTC spellings most deliveries use: no parse needed.
  if (CANONICAL.test(value)) return value;
  if (WHOLE_SECONDS_UTC.test(value)) return `${value.slice(0, -1)}.000Z`;
  return parseInstant(value)?.iso ?? value;
}

/**
 * The canonical idempotency key: `pass_id` (a UUID, so case does not
 * matter), `event` and the normalised `event_at` instant. The platform sends no event id; these three name one
 * event of one pass.
 */
export const defaultIdempotencyKey: IdempotencyKeyFunction = (event) => `${event.pass_id.toLowerCase()}:${event.event}:${normaliseInstant(event.event_at)}`;
