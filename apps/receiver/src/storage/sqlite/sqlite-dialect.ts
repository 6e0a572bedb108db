import { inEventAtOrder } from '../sql/event-order.js';
import type { QueryDialect } from '../sql/query-builder.js';

/**
 * SQLite's side of the query builder: `?` placeholders, texts as given. A
 * list in `event_at` order reads the `event_at` index (whose entries end with
 * the id: the page's order), whatever other filter SQLite could use an index
 * for, unless it is one pass's (a few rows, by the pass index).
 */
export const SQLITE_DIALECT: QueryDialect = {
  placeholder: () => '?',
  text: (value) => value,
  eventSource: (filters) => (inEventAtOrder(filters) && filters.pass_id === undefined ? 'events INDEXED BY events_by_event_at' : 'events'),
};
