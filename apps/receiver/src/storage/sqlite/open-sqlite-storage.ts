import {
  createGroupCommit,
  openDatabase,
  startBackgroundCheckpoints,
  withBusyTimeout,
  type BackgroundCheckpoints,
  type Durability,
} from '@passworks-webhooks/sqlite';
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
  /** Called with the message of a background WAL checkpoint that failed (the next one tries again). */
  readonly onCheckpointError?: ((message: string) => void) | undefined;
}

/**
 * Opens the SQLite file, brings its schema up to date (waiting, at start-up,
 * for another receiver migrating the same file), and returns the storage on
 * it with its group commit and its WAL checkpoints on a worker thread (no
 * commit stalls the event loop copying the WAL back and fsyncing: issue 19);
 * the file is closed again if any step fails.
 */
export function openSqliteStorage({
  path,
  durability,
  onCommit,
  lockWaitMs,
  now,
  maxRejections,
  outbox,
  onCheckpointError,
}: OpenSqliteStorageOptions): SqliteStorage {
  const db = openDatabase({ path, durability });
  let checkpoints: BackgroundCheckpoints | undefined;
  try {
    // Start-up: blocking is fine before listening.
    withBusyTimeout(db, 5_000, () => migrate(db));
    const groupCommit = createGroupCommit(db, { onCommit, ...(lockWaitMs === undefined ? {} : { lockWaitMs }) });
    checkpoints = db.memory ? undefined : startBackgroundCheckpoints(db, { onError: onCheckpointError });
    return createSqliteStorage({ db, store: receiverStore(db, groupCommit, now), maxRejections, outbox, checkpoints });
  } catch (error) {
    void checkpoints?.stop();
    db.close();
    throw error;
  }
}
