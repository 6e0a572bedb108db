import { createGroupCommit, openDatabase, withBusyTimeout, type Durability } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, receiverStore, type SqliteStorage } from './create-sqlite-storage.js';
import { migrate } from './migrate.js';

/** Options of {@link openSqliteStorage}. */
export interface OpenSqliteStorageOptions {
  /** The database file (its folder is created). */
  readonly path: string;
  readonly durability: Durability;
  /** Called with how many writes each transaction held (metrics). */
  readonly onCommit: (size: number) => void;
  /** How long a write waits for another process's lock before `store_unavailable`. */
  readonly lockWaitMs?: number | undefined;
  /** The idempotency keys' clock. */
  readonly now: () => number;
  readonly maxRejections?: number | undefined;
  /** Queue each stored event for forwarding, in its transaction. */
  readonly outbox: boolean;
}

/**
 * Opens the SQLite file, brings its schema up to date (waiting, at start-up,
 * for another receiver migrating the same file), and returns the storage on
 * it with its group commit; the file is closed again if any step fails.
 */
export function openSqliteStorage({ path, durability, onCommit, lockWaitMs, now, maxRejections, outbox }: OpenSqliteStorageOptions): SqliteStorage {
  const db = openDatabase({ path, durability });
  try {
    // Start-up: blocking is fine before listening.
    withBusyTimeout(db, 5_000, () => migrate(db));
    const groupCommit = createGroupCommit(db, { onCommit, ...(lockWaitMs === undefined ? {} : { lockWaitMs }) });
    return createSqliteStorage({ db, store: receiverStore(db, groupCommit, now), maxRejections, outbox });
  } catch (error) {
    db.close();
    throw error;
  }
}
