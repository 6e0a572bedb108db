import { EVENT_NAMES, parseInstant, type Instant } from '@passworks-webhooks/core';

// Offset so instants before 1970 still sort as text: Date's range is +-8.64e15 ms.
const MS_OFFSET = 8_640_000_000_000_000;

/** An event's instant: core's one notion of it (epoch ms, nanoseconds past it, the canonical spelling). */
export type EventInstant = Instant;

/**
 * Reads a date-time into its {@link EventInstant} with core's `parseInstant`,
 * the reader validation and the idempotency key use, so whatever the pipeline
 * accepted can be stored and ordered (a leap second is `23:59:59.999999999Z`
 * of its day). Throws on a string that names no instant: the pipeline
 * refuses such events with `422 invalid_event` before any handler runs.
 */
export function instantOf(value: string): EventInstant {
  const instant = parseInstant(value);
  if (instant === undefined) throw new RangeError(`expected an RFC 3339 date-time, got ${JSON.stringify(value.slice(0, 60))}`);
  return instant;
}

/**
 * The order events are projected in: the instant (ms, then the nanoseconds
 * past it), then the lifecycle order of the name (`created` before
 * `installed` at one instant), then the name. Text comparison of two keys is
 * that order, so it can be indexed. With the default idempotency key (pass,
 * name, instant) no two stored events of one pass share a sort key; readers
 * still break ties by the unique idempotency key, so the order is total and
 * never depends on arrival.
 */
export function sortKeyOf(event: string, instant: EventInstant): string {
  const rank = (EVENT_NAMES as readonly string[]).indexOf(event);
  const ms = String(instant.ms + MS_OFFSET).padStart(17, '0');
  // Same layout as before the nanosecond: 12 digits past the ms, so keys stored by older versions still compare.
  return `${ms}.${String(instant.subMsNanos).padStart(6, '0').padEnd(12, '0')}|${rank === -1 ? 9 : rank}|${event}`;
}
