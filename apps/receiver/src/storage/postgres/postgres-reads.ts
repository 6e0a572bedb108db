import type pg from 'pg';
import { rejectionRowOf, type StoredRejectionRow } from '../rejection-row-of.js';
import { eventCountQuery, eventsQuery, passesQuery, rejectionsQuery } from '../sql/query-builder.js';
import { withForwarding, withOutboxColumns, type OutboxColumns } from '../sql/outbox-join.js';
import { statsOf, statsSql, usedParams } from '../sql/stats-queries.js';
import type { Storage, StorageReads } from '../storage.js';
import { POSTGRES_DIALECT } from './postgres-dialect.js';
import type { PostgresQuery } from './postgres-query.js';
import { eventRowOf, passStateOf, type PgEventRow, type PgPassRow } from './rows.js';

/**
 * The live stream's horizon, as CTEs ending in `horizon (xact)`: every event
 * row with `xact` below it is committed for good, and no row below it can
 * still appear; every row at or above it may not be visible yet.
 *
 * It is the oldest transaction of the statement's snapshot that is still in
 * progress (`pg_snapshot_xip`) and may write events; with none, the snapshot's
 * `xmax` (transactions at or past it are in progress or not started, and
 * are not listed in `xip`). A transaction in progress is left out only when
 * it is known not to write events: `pg_locks` shows it running (the granted
 * `ExclusiveLock` on its own id) and holding no lock on this database's
 * `events` table stronger than a read's (`AccessShareLock`, `RowShareLock`).
 * So a transaction in another database, or a session on this one that writes
 * none of the receiver's tables (it may read them), never holds the stream
 * back; the server-wide `pg_snapshot_xmin` did.
 *
 * Why this never skips an event: every transaction that inserts events locks
 * the table (`RowExclusiveLock`, when its INSERT is planned) before it gets its
 * transaction id (when it writes its first row), and keeps the lock until it
 * ends. The snapshot is taken when the statement starts and `pg_locks` is read
 * while it runs, so later: a writer of events in the snapshot's `xip` either
 * still runs when `pg_locks` is read, and then shows its lock on events, or has
 * ended, and then its transaction lock is gone too: both count it in. The one
 * read of `pg_locks` (materialized once) lists each backend's fast-path locks
 * before the shared lock table, so a lock seen missing from the fast path
 * ended before the transaction locks are read. `pg_locks` needs no privilege:
 * transactions of other roles are seen alike.
 *
 * What is not covered: a transaction that wrote other tables first (its id
 * taken) and inserts events only later may have rows below a horizon already
 * passed. The receiver's record transaction inserts its events first; a
 * hand-written transaction that inserts events last is not seen in order.
 */
const STREAM_HORIZON = `snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  locks AS MATERIALIZED (SELECT locktype, database, relation, transactionid, virtualtransaction, mode, granted FROM pg_locks),
  unrelated AS (
    SELECT running.transactionid FROM locks AS running
    WHERE running.locktype = 'transactionid' AND running.mode = 'ExclusiveLock' AND running.granted
      AND NOT EXISTS (SELECT 1 FROM locks AS held WHERE held.virtualtransaction = running.virtualtransaction
        AND held.locktype = 'relation' AND held.relation = 'events'::regclass
        AND held.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND held.mode NOT IN ('AccessShareLock', 'RowShareLock'))
  ),
  horizon AS (
    SELECT coalesce(
      (SELECT min(x) FROM pg_snapshot_xip(s) AS x WHERE NOT EXISTS (SELECT 1 FROM unrelated WHERE unrelated.transactionid = x::xid)),
      pg_snapshot_xmax(s)
    ) AS xact FROM snapshot
  )`;

const SQL = {
  // The live stream, in (inserting transaction, id) order, of rows no writer of events still running can come before (see STREAM_HORIZON).
  // (A transaction id fits a double: it passes 2^53 only after 2^21 wraparounds.)
  streamEvents: `WITH ${STREAM_HORIZON} SELECT *, xact::text AS stream_xact FROM events
    WHERE (xact, id) > ($1::xid8, $2) AND xact < (SELECT xact FROM horizon) ORDER BY xact, id LIMIT $3`,
  streamHead: `WITH ${STREAM_HORIZON} SELECT xact::text AS xact FROM horizon`,
};

/** The PostgreSQL storage's reads: events (lists, counts, the live stream), passes, rejections, stats, readiness and size. */
export type PostgresReads = StorageReads;

/** {@link PostgresReads} through `query` (one statement each, outside a transaction). */
export function createPostgresReads(query: PostgresQuery): PostgresReads {
  return {
    async event(id) {
      const { rows } = await query<PgEventRow & OutboxColumns>('reading an event', withOutboxColumns('SELECT * FROM events WHERE id = $1'), [id]);
      return rows[0] === undefined ? undefined : withForwarding(rows[0], eventRowOf);
    },
    async events(filters, range, limit) {
      const { sql, values } = eventsQuery(POSTGRES_DIALECT, filters, range, limit);
      const { rows } = await query<PgEventRow & OutboxColumns>('listing events', sql, values);
      return rows.map((row) => withForwarding(row, eventRowOf));
    },
    async countEvents(filters) {
      const { sql, values } = eventCountQuery(POSTGRES_DIALECT, filters);
      const { rows } = await query<{ n: string }>('counting events', sql, values);
      return Number(rows[0]?.n ?? 0);
    },
    async streamHead() {
      const { rows } = await query<{ xact: string }>('reading the stream head', SQL.streamHead);
      return [Number(rows[0]?.xact ?? 0), 0];
    },
    async streamPositionOf(eventId) {
      const { rows } = await query<{ xact: string }>('reading a stream position', 'SELECT xact::text AS xact FROM events WHERE id = $1', [eventId]);
      return rows[0] === undefined ? undefined : [Number(rows[0].xact), eventId];
    },
    async streamEvents(after, limit) {
      const { rows } = await query<PgEventRow & { stream_xact: string }>('reading the stream', SQL.streamEvents, [String(after[0]), after[1], limit]);
      return rows.map(({ stream_xact, ...row }) => ({ ...eventRowOf(row), position: [Number(stream_xact), Number(row.id)] as const }));
    },
    async pass(passId) {
      const { rows } = await query<PgPassRow>('reading a pass', 'SELECT * FROM passes WHERE pass_id = $1', [passId]);
      return rows[0] === undefined ? undefined : passStateOf(rows[0]);
    },
    async timeline(passId, limit) {
      const { rows } = await query<PgEventRow>(
        'reading a timeline',
        'SELECT * FROM events WHERE pass_id = $1 ORDER BY sort_key, idempotency_key COLLATE "C" LIMIT $2',
        [passId, limit],
      );
      return rows.map(eventRowOf);
    },
    async passes(filters, beforeSeq, limit) {
      const { sql, values } = passesQuery(POSTGRES_DIALECT, filters, beforeSeq, limit);
      const { rows } = await query<PgPassRow>('listing passes', sql, values);
      return rows.map((row) => ({ seq: Number(row.seq), state: passStateOf(row) }));
    },
    async rejections(filters, beforeId, limit) {
      const { sql, values } = rejectionsQuery(POSTGRES_DIALECT, filters, beforeId, limit);
      const { rows } = await query<StoredRejectionRow>('listing rejections', sql, values);
      return rows.map(rejectionRowOf);
    },
    async stats(filters) {
      const { params, ...queries } = statsSql(filters);
      const all = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
        const used = usedParams(sql, params);
        const text = sql.replace(/@(\w+)/g, (_match, name: string) => `$${used.findIndex(([other]) => other === name) + 1}`);
        return (
          await query<R>(
            'counting events',
            text,
            used.map(([, value]) => value),
          )
        ).rows;
      };
      const [totals, byHour, passes, duplicates, rejections] = await Promise.all([
        all<{ kind: 'event' | 'campaign' | 'day'; key: string; count: string }>(queries.totals),
        all<{ hour: string; event: string; count: string }>(queries.byHour),
        all<{ campaign_id: string; passes: string }>(queries.passes),
        all<{ hour: string; count: string }>(queries.duplicates),
        all<{ hour: string; count: string }>(queries.rejections),
      ]);
      return statsOf({ totals, byHour, passes, duplicates, rejections });
    },
    async ping() {
      await query('checking the database', 'SELECT 1');
    },
    async sizeBytes() {
      const { rows } = await query<{ size: string }>('measuring the database', 'SELECT pg_database_size(current_database()) AS size');
      return Number(rows[0]?.size ?? 0);
    },
  };
}
