import type Database from 'better-sqlite3';
import type { EventRow } from '../event-view.js';

/** Filters of the event feed, on indexed columns. */
export interface EventFeedFilters {
  readonly event?: string | undefined;
  readonly pass_id?: string | undefined;
  readonly campaign_id?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** Where a feed read starts: strictly after an id (ascending), or strictly before one (descending). */
export type EventFeedRange = { readonly after: number } | { readonly before: number };

/**
 * The one event read the inspector adds: events by id from a position,
 * `after` ascending (the live stream) or `before` descending (newest first,
 * paging back), with the event list's filters (`since`/`until` on `event_at`).
 * Walks the primary key; the filters use the existing indexes.
 */
export function selectEventFeed(db: Database.Database, range: EventFeedRange, filters: EventFeedFilters, limit: number): EventRow[] {
  const ascending = 'after' in range;
  const clauses = [ascending ? 'id > ?' : 'id < ?'];
  const values: unknown[] = [ascending ? range.after : range.before];
  const add = (clause: string, value: unknown): void => {
    clauses.push(clause);
    values.push(value);
  };
  if (filters.event !== undefined) add('event = ?', filters.event);
  if (filters.pass_id !== undefined) add('pass_id = ?', filters.pass_id);
  if (filters.campaign_id !== undefined) add('campaign_id = ?', filters.campaign_id);
  if (filters.since !== undefined) add('event_at_ms >= ?', filters.since);
  if (filters.until !== undefined) add('event_at_ms < ?', filters.until);
  const sql = `SELECT * FROM events WHERE ${clauses.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
  return db.prepare<unknown[], EventRow>(sql).all(...values, limit);
}
