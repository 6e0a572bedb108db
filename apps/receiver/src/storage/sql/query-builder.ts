import type { EventFilters, EventRange } from '../event-filters.js';
import { eventPageSql, forwardingSql } from './event-order.js';
import type { PassFilters, RejectionFilters } from '../storage.js';
import { replayEventFilters, type ReplayFilter } from '../forward-storage.js';
import { withOutboxColumns } from './outbox-join.js';

/** A statement and its values, in the order of their placeholders. */
export interface Query {
  readonly sql: string;
  readonly values: unknown[];
}

/** The event filters, and one event (a replay's `event_id`). */
export type EventQueryFilters = EventFilters & { readonly event_id?: number | undefined };

/**
 * What the query builder needs of a dialect: its placeholders, how a text it
 * compares with stored text is written, and the table a page of events reads.
 */
export interface QueryDialect {
  /** The placeholder of the `n`th value (from 1): `?` on SQLite, `$n` on PostgreSQL. */
  readonly placeholder: (n: number) => string;
  /** A filter's text as the database stores it (PostgreSQL: `storableText`). */
  readonly text: (value: string) => string;
  /** The table (with any index hint) one page of events reads, given its filters. */
  readonly eventSource: (filters: EventFilters) => string;
  /** The condition of one pass's events, `placeholder()` giving a placeholder of its id each time it is called (SQLite: by the key index). */
  readonly passEvents: (placeholder: () => string) => string;
}

/** A statement under construction: `bind(value)` takes each value in the order it appears and returns its placeholder. */
function binder(dialect: QueryDialect): { readonly bind: (value: unknown) => string; readonly values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    bind(value) {
      values.push(value);
      return dialect.placeholder(values.length);
    },
  };
}

const whereOf = (conditions: readonly string[]): string => (conditions.length === 0 ? '1 = 1' : conditions.join(' AND '));

/** The conditions of the event filters (and of `event_id`), then of the `forwarding` filter for a page starting at `range`. */
function eventConditions(dialect: QueryDialect, bind: (value: unknown) => string, filters: EventQueryFilters, range: EventRange): string[] {
  const conditions: string[] = [];
  if (filters.event !== undefined) conditions.push(`event = ${bind(dialect.text(filters.event))}`);
  const passId = filters.pass_id;
  if (passId !== undefined) conditions.push(dialect.passEvents(() => bind(passId)));
  if (filters.campaign_id !== undefined) conditions.push(`campaign_id = ${bind(filters.campaign_id)}`);
  if (filters.since !== undefined) conditions.push(`event_at_ms >= ${bind(filters.since)}`);
  if (filters.until !== undefined) conditions.push(`event_at_ms < ${bind(filters.until)}`);
  if (filters.event_id !== undefined) conditions.push(`id = ${bind(filters.event_id)}`);
  const forwarding = forwardingSql(filters, range, bind);
  if (forwarding !== undefined) conditions.push(forwarding);
  return conditions;
}

/**
 * One page of events' `columns` in the list's order, from `range` on (see
 * `eventPageSql`, `forwardingSql`); `orderBy` is the page's order, for a join around it.
 */
export function eventPageQuery(
  dialect: QueryDialect,
  filters: EventQueryFilters,
  range: EventRange,
  limit: number,
  columns = '*',
): Query & { readonly orderBy: readonly string[] } {
  const { bind, values } = binder(dialect);
  const conditions = eventConditions(dialect, bind, filters, range);
  const page = eventPageSql(filters, range, bind);
  conditions.push(page.where);
  const sql = `SELECT ${columns} FROM ${dialect.eventSource(filters)} WHERE ${whereOf(conditions)} ORDER BY ${page.orderBy.join(', ')} LIMIT ${bind(limit)}`;
  return { sql, values, orderBy: page.orderBy };
}

/** One page of events with their outbox columns (see {@link eventPageQuery}). */
export function eventsQuery(dialect: QueryDialect, filters: EventFilters, range: EventRange, limit: number): Query {
  const { sql, values, orderBy } = eventPageQuery(dialect, filters, range, limit);
  return { sql: withOutboxColumns(sql, orderBy), values };
}

/** How many events match `filters` (a replay's count: one `count(*)`, no row loaded). */
export function eventCountQuery(dialect: QueryDialect, filters: EventQueryFilters): Query {
  const { bind, values } = binder(dialect);
  return { sql: `SELECT count(*) AS n FROM events WHERE ${whereOf(eventConditions(dialect, bind, filters, { after: 0 }))}`, values };
}

/**
 * The next page of a replay's events from its cursor (`after` an id, `at`
 * its `event_at_ms` in `event_at` order), in the order of the event list with
 * the replay's filters: ids and places.
 */
export function replayMatchingQuery(
  dialect: QueryDialect,
  filter: ReplayFilter,
  cursor: { readonly after: number; readonly at: number | undefined },
  limit: number,
): Query {
  const { sql, values } = eventPageQuery(dialect, replayEventFilters(filter), cursor, limit, 'id, event_at_ms');
  return { sql, values };
}

/** How many events a replay of `filter` matches now (one `count(*)`). */
export const replayCountQuery = (dialect: QueryDialect, filter: ReplayFilter): Query => eventCountQuery(dialect, replayEventFilters(filter));

/** Passes numbered below `beforeSeq`, newest first. */
export function passesQuery(dialect: QueryDialect, { campaign_id, installed }: PassFilters, beforeSeq: number, limit: number): Query {
  const { bind, values } = binder(dialect);
  const conditions = [`seq < ${bind(beforeSeq)}`];
  if (campaign_id !== undefined) conditions.push(`campaign_id = ${bind(campaign_id)}`);
  if (installed !== undefined) conditions.push(installed ? 'installed_devices > 0' : 'installed_devices = 0');
  return { sql: `SELECT * FROM passes WHERE ${whereOf(conditions)} ORDER BY seq DESC LIMIT ${bind(limit)}`, values };
}

/** Rejections with `id < beforeId`, newest first. */
export function rejectionsQuery(dialect: QueryDialect, { status, code, event, since, until }: RejectionFilters, beforeId: number, limit: number): Query {
  const { bind, values } = binder(dialect);
  const conditions = [`id < ${bind(beforeId)}`];
  if (status !== undefined) conditions.push(`status = ${bind(status)}`);
  if (code !== undefined) conditions.push(`code = ${bind(dialect.text(code))}`);
  if (event !== undefined) conditions.push(`event = ${bind(dialect.text(event))}`);
  if (since !== undefined) conditions.push(`received_at >= ${bind(since)}`);
  if (until !== undefined) conditions.push(`received_at < ${bind(until)}`);
  return { sql: `SELECT * FROM rejections WHERE ${whereOf(conditions)} ORDER BY id DESC LIMIT ${bind(limit)}`, values };
}
