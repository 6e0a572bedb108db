import { statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type Database from 'better-sqlite3';
import { createSqliteStore, type GroupCommit, type SqliteStore } from '@passworks-webhooks/sqlite';
import type { EventRow } from '../storage.js';
import { withForwarding, withOutboxColumns, type OutboxColumns } from '../sql/outbox-join.js';
import { createEventRecorder } from './create-event-recorder.js';
import { HANDLED_BY } from '../handled-by.js';
import { createPassRows, passStateOf, type PassRow } from './pass-rows.js';
import { createRejectionRecorder } from './create-rejection-recorder.js';
import type { Storage } from '../storage.js';
import { eventCountQuery, eventsQuery, passesQuery, rejectionsQuery } from '../sql/query-builder.js';
import { SQLITE_DIALECT } from './sqlite-dialect.js';
import { withUnavailableReads } from './store-unavailable.js';
import { rejectionRowOf, type StoredRejectionRow } from '../rejection-row-of.js';
import { HOUR_MS, hourOf, statsOf, statsSql, usedParams } from '../sql/stats-queries.js';
import { deletePrunedAttemptsSql, deletePrunedOutboxSql, stalePassesSql } from '../sql/outbox-retention-sql.js';
import { createSqliteForward } from './sqlite-forward.js';

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** The open, migrated database (closed by `close()`). */
  readonly db: Database.Database;
  /** The idempotency store on `db` ({@link receiverStore}), whose group commit every write goes through. */
  readonly store: SqliteStore;
  /** The most rejections kept. @default 100_000 */
  readonly maxRejections?: number | undefined;
  /** Queue each stored event for forwarding, in its own transaction (FORWARD_URL set). @default false */
  readonly outbox?: boolean | undefined;
}

/**
 * The idempotency store the SQLite storage expects on `db`: its recorder's
 * transaction keeps each event once, so claims stay in process memory
 * (`handlerDeduplicates`) and the events' unique key is the done mark (`handledBy`, as on PostgreSQL).
 * @example const storage = createSqliteStorage({ db, store: receiverStore(db, createGroupCommit(db)) });
 */
export function receiverStore(db: Database.Database, groupCommit: GroupCommit, now?: () => number): SqliteStore {
  return createSqliteStore({ database: db, groupCommit, handlerDeduplicates: true, handledBy: HANDLED_BY, ...(now === undefined ? {} : { now }) });
}

/** The reads whose database failures answer `store_unavailable` (see {@link withUnavailableReads}). */
const SQLITE_READS = ['event', 'events', 'countEvents', 'streamHead', 'streamEvents', 'pass', 'timeline', 'passes', 'rejections', 'stats', 'sessionExpiry', 'ping', 'deliveries', 'outboxOf', 'forwardStats', 'replay'] as const;

/** The SQLite storage, with its database (for tests and tools). */
export interface SqliteStorage extends Storage {
  readonly kind: 'sqlite';
  readonly store: SqliteStore;
  readonly db: Database.Database;
}

const same = <T>(row: T): T => row;

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** The edge-hour reads of the stats take the `event_at` range, whatever other filter SQLite could use an index for. */
export const STATS_EDGE_SOURCE = 'events INDEXED BY events_by_event_at';

/** A read-only connection to the database file (WAL), waiting up to 5 s for a lock (a checkpoint's). */
function openReader(path: string): Database.Database {
  const reader = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  return reader;
}

/**
 * The receiver's storage on one SQLite file (better-sqlite3, WAL): every
 * write goes through the store's group commit, so the events of one
 * event-loop turn share a transaction; reads are synchronous statements.
 * @example const storage = createSqliteStorage({ db, store });
 */
export function createSqliteStorage({ db, store, maxRejections, outbox = false }: SqliteStorageOptions): SqliteStorage {
  // Admin reads (lists, stats, export, the live stream) on a read-only connection of their own: in WAL mode a
  // read sees the last commit and never holds the write connection's lock or transaction (one connection for an in-memory database).
  const reader = db.memory ? db : openReader(db.name);
  const record = createEventRecorder(db);
  const recordRejection = createRejectionRecorder(db, maxRejections);
  const passes = createPassRows(db);
  const byId = reader.prepare<[number], EventRow & OutboxColumns>(withOutboxColumns('SELECT * FROM events WHERE id = ?'));
  const timeline = reader.prepare<[string, number], EventRow>('SELECT * FROM events WHERE pass_id = ? ORDER BY sort_key, idempotency_key LIMIT ?');
  const stalePasses = db.prepare<[number, number, number], string>(stalePassesSql({ cutoff: '?', keepQueuedSince: '?', limit: '?' })).pluck();
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE pass_id = ?');
  const recentKeys = db.prepare<[string, number], { idempotency_key: string; received_at: number }>('SELECT idempotency_key, received_at FROM events WHERE pass_id = ? AND received_at > ?');
  const deleteAttempts = db.prepare<{ pass: string }>(deletePrunedAttemptsSql('= @pass'));
  const deleteOutbox = db.prepare<{ pass: string }>(deletePrunedOutboxSql('= @pass'));
  const deletePass = db.prepare<[string]>('DELETE FROM passes WHERE pass_id = ?');
  const deleteRejections = db.prepare<[number, number]>('DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < ? LIMIT ?)');
  const ping = db.prepare('SELECT 1');
  const insertSession = db.prepare<[string, number]>('INSERT OR REPLACE INTO sessions (id_hash, expires_at) VALUES (?, ?)');
  const expireSessions = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
  const capSessions = db.prepare<[number]>('DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions ORDER BY expires_at LIMIT max(0, (SELECT count(*) FROM sessions) - ?))');
  const sessionExpiry = reader.prepare<[string, number], number>('SELECT expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?').pluck();
  const deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
  const maxId = reader.prepare<[], number | null>('SELECT max(id) FROM events').pluck();
  const addDuplicate = db.prepare<[string], string>('UPDATE events SET duplicates = duplicates + 1 WHERE idempotency_key = ? RETURNING campaign_id').pluck();
  const countDuplicate = db.prepare<[number, string]>(
    'INSERT INTO duplicate_counts (hour, campaign_id, count) VALUES (?, ?, 1) ON CONFLICT (hour, campaign_id) DO UPDATE SET count = count + 1',
  );
  /** One more duplicate of the stored event of `key`, answered at `at`: on the event and in its hour's count. */
  const duplicate = (key: string, at: number): void => {
    const campaignId = addDuplicate.get(key);
    if (campaignId !== undefined) countDuplicate.run(hourOf(at), campaignId);
  };
  // An hour's counts go once the whole hour is before the cutoff.
  const deleteDuplicateCounts = db.prepare<[number]>('DELETE FROM duplicate_counts WHERE hour <= ?');
  const deleteRejectionCounts = db.prepare<[number]>('DELETE FROM rejection_counts WHERE hour <= ?');
  const addRejectionCount = db.prepare<[number, string, number]>(
    'INSERT INTO rejection_counts (hour, code, count) VALUES (?, ?, ?) ON CONFLICT (hour, code) DO UPDATE SET count = count + excluded.count',
  );
  const { queueOutbox, deadLetterPruned, ...forward } = createSqliteForward(db, store);

  return withUnavailableReads<SqliteStorage, keyof SqliteStorage>({
    kind: 'sqlite',
    db,
    store,
    ...forward,
    recordEvent({ event, idempotencyKey, raw, receivedAt }) {
      return store.groupCommit.run(() => {
        const outcome = record(event, idempotencyKey, raw, receivedAt);
        // In the event's transaction: a stored event is never left unforwarded.
        if (outbox && outcome === 'stored') queueOutbox(idempotencyKey, receivedAt);
        if (outcome === 'duplicate') duplicate(idempotencyKey, receivedAt);
        return outcome;
      });
    },
    countDuplicate(idempotencyKey, at) {
      return store.groupCommit.run(() => duplicate(idempotencyKey, at));
    },
    recordRejection(rejection) {
      return store.groupCommit.run(() => recordRejection(rejection));
    },
    countRejections(counts) {
      // The work returns nothing it adds to: group commit may run it twice, on a fresh transaction each time.
      return store.groupCommit.run(() => {
        for (const { hour, code, count } of counts) addRejectionCount.run(hour, code, count);
      });
    },
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
      return reader.prepare<unknown[], number>(sql).pluck().get(...values) ?? 0;
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
      return timeline.all(passId, limit);
    },
    async passes(filters, afterPassId, limit) {
      const { sql, values } = passesQuery(SQLITE_DIALECT, filters, afterPassId, limit);
      return reader
        .prepare<unknown[], PassRow>(sql)
        .all(...values)
        .map(passStateOf);
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
    pruneStalePasses(cutoffMs, chunk, { keepQueuedSinceMs, now }) {
      // The work returns its counts instead of adding to ours: group commit may run it twice (see GroupCommit.run).
      return store.groupCommit.run(() => {
        const ids = stalePasses.all(cutoffMs, keepQueuedSinceMs, chunk);
        const deleted = { passes: 0, events: 0, gone: 0, last: ids.length < chunk };
        for (const id of ids) {
          deleteAttempts.run({ pass: id });
          deleteOutbox.run({ pass: id });
          deleted.gone += deadLetterPruned(id, now);
          // The rows were the done marks (isHandled): a key received within the store's TTL keeps a mark of its own, so a late copy is
          // still a duplicate, not a pass brought back from one old event (the cutoff is at most now, so this reads a superset).
          store.keepDone(recentKeys.all(id, cutoffMs - store.doneTtlMs).map((row) => ({ key: row.idempotency_key, doneAt: row.received_at })));
          deleted.events += deleteEvents.run(id).changes;
          deleted.passes += deletePass.run(id).changes;
        }
        return deleted;
      });
    },
    pruneRejections(cutoffMs, chunk) {
      return store.groupCommit.run(() => deleteRejections.run(cutoffMs, chunk).changes);
    },
    pruneCounts(cutoffMs) {
      return store.groupCommit.run(() => deleteDuplicateCounts.run(cutoffMs - HOUR_MS).changes + deleteRejectionCounts.run(cutoffMs - HOUR_MS).changes);
    },
    pruneKeys() {
      return store.prune();
    },
    startSession(idHash, expiresAt, now, maxSessions) {
      return store.groupCommit.run(() => {
        expireSessions.run(now);
        capSessions.run(maxSessions - 1);
        insertSession.run(idHash, expiresAt);
      });
    },
    async sessionExpiry(idHash, now) {
      return sessionExpiry.get(idHash, now);
    },
    async endSession(idHash) {
      await store.groupCommit.run(() => deleteSession.run(idHash));
    },
    async ping() {
      ping.get();
    },
    async sizeBytes() {
      // The file plus its write-ahead log.
      return db.memory ? 0 : sizeOf(db.name) + sizeOf(`${db.name}-wal`);
    },
    async close() {
      await store.groupCommit.close();
      if (reader !== db && reader.open) reader.close();
      if (db.open) db.close();
    },
  }, SQLITE_READS);
}
