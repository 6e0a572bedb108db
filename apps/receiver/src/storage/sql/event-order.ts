import type { EventFilters, EventRange } from '../storage.js';

/**
 * Whether a list of events with these filters goes in `event_at` order (then
 * id): one with `since` or `until`. Any other list goes by id, the arrival
 * order. The `event_at` index (with the id after it) serves a time window and
 * this order together, so a page reads its own rows and no more; by id, each
 * page would sort the whole window.
 */
export const inEventAtOrder = (filters: EventFilters): boolean => filters.since !== undefined || filters.until !== undefined;

/** The keyset condition and the ORDER BY terms of one page of events. */
export interface EventPageSql {
  readonly where: string;
  readonly orderBy: readonly string[];
}

/**
 * One page's keyset condition and order, in either dialect: `bind` takes each
 * value in the order it appears and returns its placeholder. By id: after (or
 * before) `range`'s id. In `event_at` order: after (or before) the place
 * (`range.at`, id); without `at`, from the start (or the end) of the list.
 */
export function eventPageSql(filters: EventFilters, range: EventRange, bind: (value: number | string) => string): EventPageSql {
  const ascending = 'after' in range;
  const id = ascending ? range.after : range.before;
  const [beyond, direction] = ascending ? ['>', 'ASC'] : ['<', 'DESC'];
  if (!inEventAtOrder(filters)) return { where: `id ${beyond} ${bind(id)}`, orderBy: [`id ${direction}`] };
  const orderBy = [`event_at_ms ${direction}`, `id ${direction}`];
  if (range.at === undefined) return { where: '1 = 1', orderBy };
  // Written out rather than as a row value: the index range is the first term in both dialects.
  return { where: `event_at_ms ${beyond}= ${bind(range.at)} AND (event_at_ms ${beyond} ${bind(range.at)} OR id ${beyond} ${bind(id)})`, orderBy };
}

/**
 * The `forwarding` filter's condition, in either dialect (`bind` as in
 * {@link eventPageSql}). In id order, a state reads the outbox's
 * `(state, event_id)` index from the page's keyset on, in id order, and looks
 * each event up by its key; in `event_at` order, the window's index gives the
 * order and each event's outbox row is probed by its key. `none`: no outbox row.
 */
export function forwardingSql(filters: EventFilters, range: EventRange, bind: (value: number | string) => string): string | undefined {
  const { forwarding } = filters;
  if (forwarding === undefined) return undefined;
  if (forwarding === 'none') return 'NOT EXISTS (SELECT 1 FROM outbox f WHERE f.event_id = events.id)';
  if (inEventAtOrder(filters)) return `EXISTS (SELECT 1 FROM outbox f WHERE f.event_id = events.id AND f.state = ${bind(forwarding)})`;
  const [beyond, id] = 'after' in range ? ['>', range.after] : ['<', range.before];
  return `id IN (SELECT event_id FROM outbox WHERE state = ${bind(forwarding)} AND event_id ${beyond} ${bind(id)})`;
}
