import type Database from 'better-sqlite3';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** The most pieces of work in one transaction; more wait for the next one. @default 1_000 */
  readonly maxBatchSize?: number;
  /** Called after each batch transaction commits, with how many pieces of work it held (for metrics). */
  readonly onCommit?: (size: number) => void;
}

/**
 * Batches the writes of concurrent callers into one transaction: work queued
 * during one turn of the event loop runs in a single `BEGIN IMMEDIATE`
 * transaction (a piece that throws is isolated in a savepoint on a rerun of
 * the batch), and every promise settles
 * after the `COMMIT` (one fsync for the batch in `synchronous=FULL`).
 */
export interface GroupCommit {
  /**
   * Queues synchronous `work` for the next batch. Resolves with its result
   * once the batch is committed; rejects if the work threw (only its own
   * writes are rolled back) or if the batch could not commit. `work` must
   * only touch the database: when another piece of its batch throws, the
   * batch is rolled back and run again with each piece in a savepoint.
   */
  run<T>(work: () => T): Promise<T>;
  /** How many pieces of work wait for the next batch. */
  readonly pending: number;
  /** Commits what is queued now and resolves when the queue is empty. */
  drain(): Promise<void>;
  /** Drains, then refuses new work (it rejects with `store_unavailable`). */
  close(): Promise<void>;
}

interface Job {
  readonly work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Creates a group commit queue on `db`. Share one per connection: the
 * idempotency store and the application's own writes then commit together.
 * @example
 * const writes = createGroupCommit(db);
 * await writes.run(() => insertEvent.run(row)); // committed when this resolves
 */
export function createGroupCommit(db: Database.Database, { maxBatchSize = 1_000, onCommit }: GroupCommitOptions = {}): GroupCommit {
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize <= 0) {
    throw new PassworksWebhookError('invalid_config', `maxBatchSize: expected a positive integer, got ${String(maxBatchSize)}`);
  }
  let queue: Job[] = [];
  let scheduled = false;
  let closed = false;
  let idle: Array<() => void> = [];
  // The usual batch: every piece in one transaction, no savepoints (two statements per piece saved).
  const plain = db.transaction((jobs: readonly Job[]): Outcome[] => jobs.map((job) => ({ ok: true, value: job.work() })));
  // When a piece throws, the batch is rolled back and run again this way, so only that piece fails.
  // Nested inside the batch transaction, better-sqlite3 runs this in a savepoint.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const isolated = db.transaction((jobs: readonly Job[]): Outcome[] =>
    jobs.map((job) => {
      try {
        return { ok: true, value: inSavepoint(job.work) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  const flush = (): void => {
    scheduled = false;
    const jobs = queue.slice(0, maxBatchSize);
    queue = queue.slice(jobs.length);
    if (queue.length > 0) schedule();
    if (jobs.length > 0) {
      let outcomes: Outcome[];
      try {
        try {
          outcomes = plain.immediate(jobs);
        } catch {
          outcomes = isolated.immediate(jobs);
        }
      } catch (cause) {
        const error = new PassworksWebhookError('store_unavailable', `the database transaction failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
        for (const job of jobs) job.reject(error);
        outcomes = [];
      }
      if (outcomes.length > 0) {
        try {
          onCommit?.(jobs.length);
        } catch {
          // A failing metrics hook must not fail writes that are committed.
        }
      }
      outcomes.forEach((outcome, index) => {
        const job = jobs[index] as Job;
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.error);
      });
    }
    if (queue.length === 0) {
      const waiting = idle;
      idle = [];
      for (const wake of waiting) wake();
    }
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run<T>(work: () => T): Promise<T> {
      if (closed) return Promise.reject(new PassworksWebhookError('store_unavailable', 'the database is closing: no new writes are accepted'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    get pending() {
      return queue.length;
    },
    drain() {
      if (queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      await this.drain();
      closed = true;
    },
  };
}
