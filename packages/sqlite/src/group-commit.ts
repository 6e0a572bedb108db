import Database from 'better-sqlite3';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** The most pieces of work in one transaction; more wait for the next one. @default 1_000 */
  readonly maxBatchSize?: number;
  /** Called after each batch transaction commits, with how many pieces of work it held (for metrics). */
  readonly onCommit?: (size: number) => void;
  /**
   * How long a piece of work may wait, in total, for the write lock another
   * connection holds. The wait is asynchronous: a `BEGIN IMMEDIATE` that
   * finds the lock taken fails after the connection's short `busy_timeout`,
   * and the batch is tried again on a timer with backoff (the event loop
   * keeps serving). Past this budget the work rejects with `store_unavailable`.
   * Keep it under the sender's timeout (the platform's is 5 s).
   * @default 2_000
   */
  readonly lockWaitMs?: number;
}

/**
 * Batches the writes of concurrent callers into one transaction: work queued
 * during one turn of the event loop runs in a single `BEGIN IMMEDIATE`
 * transaction, and every promise settles after the `COMMIT` (one fsync for
 * the batch in `synchronous=FULL`). A batch is all or nothing: when the
 * database fails (full disk, I/O error, lost transaction, failed `COMMIT`),
 * nothing of it is kept and every piece rejects with `store_unavailable`.
 */
export interface GroupCommit {
  /**
   * Queues synchronous `work` for the next batch. Resolves with its result
   * once the batch is committed; rejects with the error `work` threw (only
   * its own writes are rolled back, the rest of the batch commits), or with
   * `store_unavailable` when the batch could not commit (nothing of it is
   * kept). `work` must only touch the database: it may run more than once
   * (after another piece of its batch throws, or after the lock was busy).
   */
  run<T>(work: () => T): Promise<T>;
  /** How many pieces of work wait for the next batch. */
  readonly pending: number;
  /**
   * Adds `work` to every batch's transaction, after the batch's pieces and
   * before its `COMMIT`: for what is cheaper kept once per batch than once
   * per row (a summary of the rows the batch wrote). Like a piece, it must
   * only touch the database and may run on any try of a batch; when it
   * throws, the batch fails as it would on a database failure.
   */
  beforeCommit(work: () => void): void;
  /** Resolves when the queue is empty (every piece queued so far committed or rejected). */
  drain(): Promise<void>;
  /**
   * Commits everything queued, including work queued while closing and by
   * the continuations of the last batches, then refuses new work (it rejects
   * with `store_unavailable`).
   */
  close(): Promise<void>;
}

interface Job {
  readonly work: () => unknown;
  /** The work threw in an earlier try: its batches run a savepoint per piece from the start. */
  threw?: boolean;
  /** Past this time (epoch ms) the job stops waiting for the write lock. */
  readonly deadline: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** How one try of a batch ended. */
type Attempt = { readonly kind: 'committed'; readonly outcomes: Outcome[] } | { readonly kind: 'busy' | 'failed'; readonly cause: unknown };

/** Another connection holds the lock: worth trying again later. */
const BUSY = /^SQLITE_(BUSY|LOCKED)/;
/**
 * The database failed, not the piece of work: the whole batch fails (and
 * SQLite may already have rolled the transaction back).
 * https://www.sqlite.org/lang_transaction.html#response_to_errors_within_a_transaction
 */
const DATABASE_FAILURE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|NOMEM|CORRUPT|NOTADB|CANTOPEN|READONLY|PROTOCOL|INTERRUPT|ABORT)/;
const codeOf = (error: unknown): string => (error instanceof Database.SqliteError ? error.code : '');

/** The retry delay after `streak` busy tries in a row: 2, 4, 8 ... 50 ms, with jitter so processes do not retry in step. */
const backoffMs = (streak: number): number => Math.min(50, 2 ** streak) * (0.5 + Math.random() / 2);

/**
 * Creates a group commit queue on `db`. Share one per connection: the
 * idempotency store and the application's own writes then commit together.
 * Open `db` with a short `busy_timeout` (`openDatabase` does): waiting for
 * another process's lock happens here, on timers, not inside SQLite.
 * @example
 * const writes = createGroupCommit(db);
 * await writes.run(() => insertEvent.run(row)); // committed when this resolves
 */
export function createGroupCommit(db: Database.Database, { maxBatchSize = 1_000, onCommit, lockWaitMs = 2_000 }: GroupCommitOptions = {}): GroupCommit {
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize <= 0) {
    throw new PassworksWebhookError('invalid_config', `maxBatchSize: expected a positive integer, got ${String(maxBatchSize)}`);
  }
  if (!Number.isSafeInteger(lockWaitMs) || lockWaitMs < 0) {
    throw new PassworksWebhookError('invalid_config', `lockWaitMs: expected an integer >= 0, got ${String(lockWaitMs)}`);
  }
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const markPiece = db.prepare('SAVEPOINT passworks_piece');
  const undoPiece = db.prepare('ROLLBACK TO passworks_piece');
  const keepPiece = db.prepare('RELEASE passworks_piece');

  let queue: Job[] = [];
  let scheduled = false;
  let retry: NodeJS.Timeout | undefined;
  let busyStreak = 0;
  let closed = false;
  let idle: Array<() => void> = [];
  const beforeCommit: Array<() => void> = [];

  const rollbackQuietly = (): void => {
    if (!db.inTransaction) return;
    try {
      rollback.run();
    } catch {
      // Checked again before the next batch begins.
    }
  };

  /** The transaction is gone (SQLite rolled it back after an error a piece caught): nothing may run outside it. */
  const lost = (): Attempt => ({ kind: 'failed', cause: new Error('the transaction was rolled back by SQLite during the batch') });

  const failure = (cause: unknown): Attempt => {
    rollbackQuietly();
    return { kind: BUSY.test(codeOf(cause)) ? 'busy' : 'failed', cause };
  };

  /** The usual path: every piece in the transaction, no savepoint per piece. Throws the first piece's error, marking its job. */
  const runPlain = (jobs: readonly Job[]): Outcome[] | Attempt => {
    const outcomes: Outcome[] = [];
    for (const job of jobs) {
      try {
        outcomes.push({ ok: true, value: job.work() });
      } catch (error) {
        job.threw = true;
        throw error;
      }
      if (!db.inTransaction) return lost();
    }
    return outcomes;
  };

  /** After a piece threw: each piece in its own savepoint, so only the pieces that throw fail. */
  const runIsolated = (jobs: readonly Job[]): Outcome[] | Attempt => {
    const outcomes: Outcome[] = [];
    for (const job of jobs) {
      if (!db.inTransaction) return lost();
      markPiece.run();
      try {
        outcomes.push({ ok: true, value: job.work() });
        if (!db.inTransaction) return lost();
        keepPiece.run();
      } catch (error) {
        if (!db.inTransaction || DATABASE_FAILURE.test(codeOf(error))) return failure(error);
        undoPiece.run();
        keepPiece.run();
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  };

  /** One try of a batch: committed, or rolled back with nothing of it kept. */
  const attempt = (jobs: readonly Job[]): Attempt => {
    try {
      // A transaction left open by an earlier failure (a ROLLBACK that failed) is rolled back first.
      rollbackQuietly();
      begin.run();
    } catch (error) {
      return failure(error);
    }
    try {
      let outcomes: Outcome[] | Attempt;
      try {
        // A batch holding a piece that threw before (then found the lock taken) goes straight to savepoints:
        // each try would otherwise give up the lock again between its ROLLBACK and BEGIN.
        outcomes = jobs.some((job) => job.threw === true) ? runIsolated(jobs) : runPlain(jobs);
      } catch (error) {
        if (!db.inTransaction || DATABASE_FAILURE.test(codeOf(error))) return failure(error);
        // A piece threw: the batch starts over in a new transaction, each piece in a savepoint of its own.
        // (No savepoint on the usual path: a savepoint copies every page the batch changes to a statement journal.)
        rollback.run();
        begin.run();
        outcomes = runIsolated(jobs);
      }
      if (!Array.isArray(outcomes)) {
        rollbackQuietly();
        return outcomes;
      }
      if (!db.inTransaction) return lost();
      for (const work of beforeCommit) work();
      if (!db.inTransaction) return lost();
      commit.run();
      return { kind: 'committed', outcomes };
    } catch (error) {
      return failure(error);
    }
  };

  const storeUnavailable = (message: string, cause: unknown): PassworksWebhookError =>
    new PassworksWebhookError('store_unavailable', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });

  const flush = (): void => {
    scheduled = false;
    retry = undefined;
    const jobs = queue.slice(0, maxBatchSize);
    queue = queue.slice(jobs.length);
    if (jobs.length > 0) {
      const result = attempt(jobs);
      if (result.kind === 'committed') {
        busyStreak = 0;
        try {
          onCommit?.(jobs.length);
        } catch {
          // A failing metrics hook must not fail writes that are committed.
        }
        result.outcomes.forEach((outcome, index) => {
          const job = jobs[index] as Job;
          if (outcome.ok) job.resolve(outcome.value);
          else job.reject(outcome.error);
        });
      } else if (result.kind === 'failed') {
        const error = storeUnavailable('the database transaction failed', result.cause);
        for (const job of jobs) job.reject(error);
      } else {
        // Another connection holds the write lock: wait on a timer, never inside SQLite.
        const now = Date.now();
        const waiting = jobs.filter((job) => job.deadline > now);
        const expired = jobs.filter((job) => job.deadline <= now);
        if (expired.length > 0) {
          const error = storeUnavailable(`the database stayed locked by another connection for ${lockWaitMs} ms`, result.cause);
          for (const job of expired) job.reject(error);
        }
        queue = [...waiting, ...queue];
        if (queue.length > 0) {
          busyStreak += 1;
          const untilFirstDeadline = Math.min(...queue.map((job) => job.deadline)) - now;
          retry = setTimeout(flush, Math.max(1, Math.min(backoffMs(busyStreak), untilFirstDeadline)));
        }
      }
    }
    if (queue.length > 0) schedule();
    else if (retry === undefined) {
      const waiting = idle;
      idle = [];
      for (const wake of waiting) wake();
    }
  };

  const schedule = (): void => {
    if (scheduled || retry !== undefined) return;
    scheduled = true;
    setImmediate(flush);
  };

  const busy = (): boolean => queue.length > 0 || scheduled || retry !== undefined;

  const drain = (): Promise<void> => {
    if (!busy()) return Promise.resolve();
    return new Promise<void>((resolve) => idle.push(resolve));
  };

  return {
    run<T>(work: () => T): Promise<T> {
      if (closed) return Promise.reject(new PassworksWebhookError('store_unavailable', 'the database is closing: no new writes are accepted'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, deadline: Date.now() + lockWaitMs, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    beforeCommit(work) {
      beforeCommit.push(work);
    },
    get pending() {
      return queue.length;
    },
    drain,
    async close() {
      // Continuations of a batch's promises may queue more work; a macrotask turn after the
      // queue empties lets every microtask chain of the last batch run before deciding it is over.
      for (;;) {
        await drain();
        await new Promise((resolve) => setImmediate(resolve));
        if (!busy()) break;
      }
      closed = true;
    },
  };
}
