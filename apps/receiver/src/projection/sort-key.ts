import { EVENT_NAMES, normaliseInstant } from '@passworks-webhooks/core';

// Offset so instants before 1970 still sort as text: Date's range is +-8.64e15 ms.
const MS_OFFSET = 8_640_000_000_000_000;

/** An event's instant, as epoch ms and the normalised ISO spelling. */
export interface EventInstant {
  /** The normalised `event_at` (e.g. `2016-08-10T11:30:06.000Z`). */
  readonly iso: string;
  readonly ms: number;
  /** Digits past the millisecond, kept by normalisation (`''` when none). */
  readonly subMs: string;
}

// RFC 3339 (and so the event schema) allows a leap second, 23:59:60, which Date.parse refuses.
const LEAP_SECOND = /(T\d{2}:\d{2}:)60/;

/** Reads an ISO 8601 date-time into an {@link EventInstant}. */
export function instantOf(value: string): EventInstant {
  const iso = normaliseInstant(value);
  const parsed = Date.parse(iso);
  // A leap second counts as the second after :59, as POSIX time does (a NaN here failed the NOT NULL event_at_ms insert).
  const ms = Number.isNaN(parsed) && LEAP_SECOND.test(iso) ? Date.parse(iso.replace(LEAP_SECOND, '$159')) + 1_000 : parsed;
  return { iso, ms, subMs: /\.\d{3}(\d+)Z$/.exec(iso)?.[1] ?? '' };
}

/**
 * The order events are projected in: the instant (ms, then digits past the
 * ms), then the lifecycle order of the name (`created` before `installed` at
 * one instant), then the name. Text comparison of two keys is that order, so
 * it can be indexed. With the default idempotency key no two stored events of
 * one pass share a sort key.
 */
export function sortKeyOf(event: string, instant: EventInstant): string {
  const rank = (EVENT_NAMES as readonly string[]).indexOf(event);
  const ms = String(instant.ms + MS_OFFSET).padStart(17, '0');
  return `${ms}.${instant.subMs.padEnd(12, '0')}|${rank === -1 ? 9 : rank}|${event}`;
}
