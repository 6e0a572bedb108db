import { inEventAtOrder } from '../sql/event-order.js';
import type { QueryDialect } from '../sql/query-builder.js';
import { PASS_EVENTS_INDEX, passEventsSql } from './pass-events-sql.js';

/**
 * SQLite's side of the query builder: `?` placeholders, texts as given. A
 * list in `event_at` order reads the `event_at` index (whose entries end with
 * the id: the page's order), whatever other filter SQLite could use an index
 * for; one pass's reads the events' key index (a few rows: see {@link passEventsSql}).
 */
export const SQLITE_DIALECT: QueryDialect = {
  placeholder: () => '?',
  text: (value) => value,
  eventSource: (filters) =>
    filters.pass_id !== undefined ? `events INDEXED BY ${PASS_EVENTS_INDEX}` : inEventAtOrder(filters) ? 'events INDEXED BY events_by_event_at' : 'events',
  passEvents: passEventsSql,
};
