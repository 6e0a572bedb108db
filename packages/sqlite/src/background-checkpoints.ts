import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/** Options of {@link startBackgroundCheckpoints}. */
export interface BackgroundCheckpointOptions {
  /** How often the worker copies the WAL back into the database file. @default 200 */
  readonly intervalMs?: number;
  /**
   * The writer's own `wal_autocheckpoint` from now on, in pages: a backstop
   * that bounds the WAL should the worker fall behind or fail. It then
   * finds most frames copied already, so it is short.
   * @default 10_000 (about 40 MiB)
   */
  readonly backstopPages?: number;
  /**
   * Called with the message of a checkpoint that failed (a full disk, an I/O error: once per fault, not every
   * interval; the next one tries again), or of a worker that could not start or ended unasked (the writer then
   * checkpoints on its own again, at its `wal_autocheckpoint` from before).
   */
  readonly onError?: ((message: string) => void) | undefined;
}

/** The worker copying the WAL back; {@link BackgroundCheckpoints.stop} ends it. */
export interface BackgroundCheckpoints {
  /** Ends the worker and closes its connection; resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
}

// The worker: its own connection to the file, a PASSIVE checkpoint on a timer (it never blocks the writer or readers).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
// A fault (a full disk) is reported once, not every interval; again once it changes or after checkpoints worked again.
let reported;
const timer = setInterval(() => {
  try {
    checkpoint.run();
    reported = undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== reported) parentPort.postMessage(message);
    reported = message;
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop: a worker thread with its own
 * connection copies committed pages back into the database file every
 * `intervalMs`, and the writer's `wal_autocheckpoint` becomes a backstop.
 * Without it, the commit that crosses `wal_autocheckpoint` copies the whole
 * WAL and fsyncs both files on the event loop, stalling every request for
 * that time; pages written again between two checkpoints are copied once.
 * Durability is unchanged: a commit is in the WAL either way, and SQLite
 * coordinates the two connections. For a file database in WAL mode only.
 * @example
 * const checkpoints = startBackgroundCheckpoints(db);
 * // ... serve ...
 * await checkpoints.stop(); db.close();
 */
export function startBackgroundCheckpoints(
  db: Database.Database,
  { intervalMs = 200, backstopPages = 10_000, onError }: BackgroundCheckpointOptions = {},
): BackgroundCheckpoints {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0)
    throw new PassworksWebhookError('invalid_config', `intervalMs: expected a positive integer, got ${String(intervalMs)}`);
  if (!Number.isSafeInteger(backstopPages) || backstopPages < 1 || backstopPages > 2_147_483_647) {
    throw new PassworksWebhookError('invalid_config', `backstopPages: expected an integer from 1 to 2147483647, got ${String(backstopPages)}`);
  }
  if (db.memory || String(db.pragma('journal_mode', { simple: true })) !== 'wal') {
    throw new PassworksWebhookError('invalid_config', 'background checkpoints need a database file in WAL mode (openDatabase opens one)');
  }
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: db.name, intervalMs } });
  worker.unref();
  worker.on('message', (message: string) => onError?.(message));
  worker.on('error', (error) => onError?.(`the checkpoint worker failed: ${error.message}`));
  const before = Number(db.pragma('wal_autocheckpoint', { simple: true }));
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // A worker that could not start or died: the writer checkpoints as it did before, short and often, not at the backstop.
      if (stopping === undefined && db.open) {
        db.pragma(`wal_autocheckpoint = ${before}`);
        onError?.(`the checkpoint worker ended; the writer checkpoints every ${before} pages again`);
      }
      resolve();
    }),
  );
  db.pragma(`wal_autocheckpoint = ${backstopPages}`);
  return {
    stop() {
      stopping ??= (async () => {
        // Held by its exit from now on: an unref'd worker alone would let the process end before it closes.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return stopping;
    },
  };
}
