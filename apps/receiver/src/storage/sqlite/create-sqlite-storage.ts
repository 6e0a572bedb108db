import BetterSqlite3 from 'better-sqlite3';
import type Database from 'better-sqlite3';
import { createSqliteStore, type BackgroundCheckpoints, type GroupCommit, type SqliteStore } from '@passworks-webhooks/sqlite';
import { committedKeys } from '../committed-keys.js';
import { HANDLED_BY } from '../handled-by.js';
import { hourOf } from '../sql/stats-queries.js';
import type { Storage } from '../storage.js';
import { createEventRecorder } from './create-event-recorder.js';
import { createEventCounts } from './event-counts.js';
import { createRejectionRecorder } from './create-rejection-recorder.js';
import { createPassRows } from './pass-rows.js';
import { createSqliteForward } from './sqlite-forward.js';
import { createSqliteReads } from './sqlite-reads.js';
import { createSqliteRetention } from './sqlite-retention.js';
import { createSqliteSessions } from './sqlite-sessions.js';
import { withUnavailableReads } from './store-unavailable.js';

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
  /** The worker copying the WAL back (`startBackgroundCheckpoints`), stopped by `close()` before the database closes. */
  readonly checkpoints?: BackgroundCheckpoints | undefined;
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
const SQLITE_READS = [
  'event',
  'events',
  'countEvents',
  'streamHead',
  'streamEvents',
  'pass',
  'timeline',
  'passes',
  'rejections',
  'stats',
  'sessionExpiry',
  'ping',
  'deliveries',
  'outboxOf',
  'forwardStats',
  'replay',
] as const;

/** The SQLite storage, with its database (for tests and tools). */
export interface SqliteStorage extends Storage {
  readonly kind: 'sqlite';
  readonly store: SqliteStore;
  readonly db: Database.Database;
}

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
export function createSqliteStorage({ db, store, maxRejections, outbox = false, checkpoints }: SqliteStorageOptions): SqliteStorage {
  // Admin reads (lists, stats, export, the live stream) on a read-only connection of their own: in WAL mode a
  // read sees the last commit and never holds the write connection's lock or transaction (one connection for an in-memory database).
  const reader = db.memory ? db : openReader(db.name);
  const record = createEventRecorder(db);
  const recordRejection = createRejectionRecorder(db, maxRejections);
  const passes = createPassRows(db);
  const addDuplicate = db.prepare<[string], string>('UPDATE events SET duplicates = duplicates + 1 WHERE idempotency_key = ? RETURNING campaign_id').pluck();
  const countDuplicate = db.prepare<[number, string]>(
    'INSERT INTO duplicate_counts (hour, campaign_id, count) VALUES (?, ?, 1) ON CONFLICT (hour, campaign_id) DO UPDATE SET count = count + 1',
  );
  /** One more duplicate of the stored event of `key`, answered at `at`: on the event and in its hour's count. */
  const duplicate = (key: string, at: number): void => {
    const campaignId = addDuplicate.get(key);
    if (campaignId !== undefined) countDuplicate.run(hourOf(at), campaignId);
  };
  const addRejectionCount = db.prepare<[number, string, number]>(
    'INSERT INTO rejection_counts (hour, code, count) VALUES (?, ?, ?) ON CONFLICT (hour, code) DO UPDATE SET count = count + excluded.count',
  );
  const { queueOutbox, deadLetterPruned, ...forward } = createSqliteForward(db, store);
  const done = committedKeys(store);
  // The events of each write transaction counted at its end (migration 12).
  store.groupCommit.beforeCommit(createEventCounts(db));

  return withUnavailableReads<SqliteStorage, keyof SqliteStorage>(
    {
      kind: 'sqlite',
      db,
      store: done.store,
      ...forward,
      ...createSqliteReads(db, reader, passes),
      ...createSqliteRetention(db, store, deadLetterPruned),
      ...createSqliteSessions(db, reader, store),
      async recordEvent({ event, idempotencyKey, raw, receivedAt }) {
        const outcome = await store.groupCommit.run(() => {
          const result = record(event, idempotencyKey, raw, receivedAt);
          // In the event's transaction: a stored event is never left unforwarded.
          if (outbox && result === 'stored') queueOutbox(idempotencyKey, receivedAt);
          if (result === 'duplicate') duplicate(idempotencyKey, receivedAt);
          return result;
        });
        done.committed(idempotencyKey);
        return outcome;
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
      async close() {
        try {
          await store.groupCommit.close();
        } finally {
          // Even when the last commit failed (a full disk). The worker's connection first: the writer, closing last, checkpoints the rest and removes the WAL.
          await checkpoints?.stop();
          if (reader !== db && reader.open) reader.close();
          if (db.open) db.close();
        }
      },
    },
    SQLITE_READS,
  );
}
