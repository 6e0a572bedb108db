import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { rejectionRowOf, type StoredRejectionRow } from '../rejection-row-of.js';
import { withForwarding, withOutboxColumns, type OutboxColumns } from '../sql/outbox-join.js';
import { eventCountQuery, eventsQuery, passesQuery, rejectionsQuery } from '../sql/query-builder.js';
import { statsOf, statsSql, usedParams } from '../sql/stats-queries.js';
import type { EventRow, Storage, StorageReads } from '../storage.js';
import { passStateOf, type PassRow, type PassRows } from './pass-rows.js';
import { passEventsSql } from './pass-events-sql.js';
import { SQLITE_DIALECT } from './sqlite-dialect.js';

/** The edge-hour reads of the stats take the `event_at` range, whatever other filter SQLite could use an index for. */
export const STATS_EDGE_SOURCE = 'events INDEXED BY events_by_event_at';

const same = <T>(row: T): T => row;

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** The SQLite storage's reads: events (lists, counts, the live stream), passes, rejections, stats, readiness and size. */
export type SqliteReads = StorageReads;

/** {@link SqliteReads}: the admin reads on `reader` (the read-only connection), a pass and readiness on `db`. */
export function createSqliteReads(db: Database.Database, reader: Database.Database, passes: PassRows): SqliteReads {
  const byId = reader.prepare<[number], EventRow & OutboxColumns>(withOutboxColumns('SELECT * FROM events WHERE id = ?'));
  const timeline = reader.prepare<{ pass: string; limit: number }, EventRow>(
    `SELECT * FROM events WHERE ${passEventsSql('@pass')} ORDER BY sort_key, idempotency_key LIMIT @limit`,
  );
  const maxId = reader.prepare<[], number | null>('SELECT max(id) FROM events').pluck();
  const ping = db.prepare('SELECT 1');
  return {
    async event(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : withForwarding(row, same);
    },
    async events(filters, range, limit) {
      const { sql, values } = eventsQuery(SQLITE_DIALECT, filters, range, limit);
      return reader
        .prepare<unknown[], EventRow & OutboxColumns>(sql)
        .all(...values)
        .map((row) => withForwarding(row, same));
    },
    async countEvents(filters) {
      const { sql, values } = eventCountQuery(SQLITE_DIALECT, filters);
      return (
        reader
          .prepare<unknown[], number>(sql)
          .pluck()
          .get(...values) ?? 0
      );
    },
    // One writer at a time, ids taken inside its transaction: ids commit in order, so the id is the stream order.
    async streamHead() {
      return [0, maxId.get() ?? 0];
    },
    async streamPositionOf(eventId) {
      return [0, eventId];
    },
    async streamEvents(after, limit) {
      return reader
        .prepare<[number, number], EventRow>('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?')
        .all(after[1], limit)
        .map((row) => ({ ...row, position: [0, row.id] as const }));
    },
    async pass(passId) {
      return passes.get(passId);
    },
    async timeline(passId, limit) {
      return timeline.all({ pass: passId, limit });
    },
    async passes(filters, beforeSeq, limit) {
      const { sql, values } = passesQuery(SQLITE_DIALECT, filters, beforeSeq, limit);
      return reader
        .prepare<unknown[], PassRow>(sql)
        .all(...values)
        .map((row) => ({ seq: row.seq, state: passStateOf(row) }));
    },
    async rejections(filters, beforeId, limit) {
      const { sql, values } = rejectionsQuery(SQLITE_DIALECT, filters, beforeId, limit);
      return reader
        .prepare<unknown[], StoredRejectionRow>(sql)
        .all(...values)
        .map(rejectionRowOf);
    },
    async stats(filters) {
      const { params, ...queries } = statsSql(filters, { edgeSource: STATS_EDGE_SOURCE });
      const all = <R>(sql: string): R[] => reader.prepare<[Record<string, unknown>], R>(sql).all(Object.fromEntries(usedParams(sql, params)));
      return statsOf({
        totals: all(queries.totals),
        byHour: all(queries.byHour),
        passes: all(queries.passes),
        duplicates: all(queries.duplicates),
        rejections: all(queries.rejections),
      });
    },
    async ping() {
      ping.get();
    },
    async sizeBytes() {
      // The file plus its write-ahead log.
      return db.memory ? 0 : sizeOf(db.name) + sizeOf(`${db.name}-wal`);
    },
  };
}
