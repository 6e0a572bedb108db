import { inEventAtOrder } from '../storage/sql/event-order.js';
import type { EventFilters, EventRange } from '../storage/storage.js';
import { decodeCursor } from './cursor.js';
import type { EventRow } from '../storage/storage.js';

/**
 * Where an event list's next page starts, as its cursor holds it: the last
 * event's id, or in `event_at` order (a list with `since` or `until`) its
 * `[event_at_ms, id]`.
 */
export const eventPosition =
  (filters: EventFilters) =>
  (row: EventRow): number | readonly [number, number] =>
    inEventAtOrder(filters) ? [row.event_at_ms, row.id] : row.id;

/**
 * The range of the page a cursor of {@link eventPosition} points to: `after`
 * it (ascending) or `before` it (newest first); without a cursor, the list's
 * start (or end). A cursor of the other order answers `invalid_request`.
 */
export function eventRange(filters: EventFilters, cursor: string | undefined, direction: 'after' | 'before'): EventRange {
  if (cursor === undefined) return direction === 'after' ? { after: 0 } : { before: Number.MAX_SAFE_INTEGER };
  if (!inEventAtOrder(filters)) {
    const id = decodeCursor(cursor, 'number');
    return direction === 'after' ? { after: id } : { before: id };
  }
  const [at, id] = decodeCursor(cursor, 'pair');
  return direction === 'after' ? { after: id, at } : { before: id, at };
}
