import type { QueryDialect } from '../sql/query-builder.js';
import { storableText } from '../storable-text.js';

/**
 * PostgreSQL's side of the query builder: `$n` placeholders, texts compared
 * as they were stored ({@link storableText}). The planner picks the index:
 * `events_by_event_at_id` for the `event_at` order, `outbox_by_state_event`
 * for a forwarding state in id order.
 */
export const POSTGRES_DIALECT: QueryDialect = {
  placeholder: (n) => `$${n}`,
  text: storableText,
  eventSource: () => 'events',
  passEvents: (placeholder) => `pass_id = ${placeholder()}`,
};
