import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PassworksWebhookError, createInProcessClaims, type ClaimResult, type IdempotencyStore, type StoredOutcome } from '@passworks-webhooks/core';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { openDatabase, withBusyTimeout, type Durability } from './open-database.js';

interface CommonOptions {
  /** The table holding the keys (created if missing). @default 'passworks_idempotency_keys' */
  readonly tableName?: string;
  /** How long a done key is remembered. @default 604_800_000 (7 days) */
  readonly doneTtlMs?: number;
  /** The clock, in epoch milliseconds (tests pass a fake one). @default Date.now */
  readonly now?: () => number;
  /** With no `groupCommit` given: how long a write waits, asynchronously, for another process's lock (see `createGroupCommit`). @default 2_000 */
  readonly lockWaitMs?: number;
  /**
   * Your handlers deduplicate in their own transaction: they write the event
   * under a unique key and call {@link SqliteStore.markDone} in that same
   * transaction. Claims then live in this process's memory (a read of the
   * key's state, no write transaction), so each event costs one transaction:
   * yours. A copy arriving at this process while the first is handled still
   * answers `in_flight`; one arriving at another process sharing the file
   * runs its handler, whose transaction finds the event stored. A live claim
   * another process wrote to the file is respected.
   * @default false
   */
  readonly handlerDeduplicates?: boolean;
  /**
   * With `handlerDeduplicates`: whether your handler's own table holds `key`,
   * read synchronously on the same database, e.g.
   * `(key) => lookup.get(key) !== undefined` for
   * `SELECT 1 FROM events WHERE idempotency_key = ?`. Your unique key is
   * then the done mark: the handler need not call `markDone`, a claim of a
   * stored key answers `done`, and `complete` writes nothing for it (one
   * write less per event). What your table does not hold still gets the
   * store's own mark: a refusal's outcome, or a key completed without the
   * handler storing it.
   */
  readonly isHandled?: (key: string) => boolean;
  /**
   * With `handlerDeduplicates`, instead of `isHandled`: the table and unique
   * column of this database where your handler stores each key, as
   * `@passworks-webhooks/postgres` takes them; the store then reads
   * `SELECT 1 FROM table WHERE column = ?` for `isHandled`.
   * @example handledBy: { table: 'orders', column: 'webhook_key' }
   */
  readonly handledBy?: { readonly table: string; readonly column: string };
}

/** Options of {@link createSqliteStore}: a file to open, or a database (and group commit) you already own. */
export type SqliteStoreOptions = CommonOptions &
  (
    | {
        /** The database file, opened in WAL mode and closed with the store (its folder is created). */
        readonly path: string;
        /** See `openDatabase`. @default 'normal' */
        readonly durability?: Durability;
        /** SQLite's `busy_timeout` (a blocking wait, kept short; see `openDatabase`). @default 5 */
        readonly busyTimeoutMs?: number;
        readonly database?: never;
        readonly groupCommit?: never;
      }
    | {
        /** An open database the caller set up and closes (the store never closes it). */
        readonly database: Database.Database;
        /** The group commit to write through, shared with the caller's writes. @default a new one on `database` */
        readonly groupCommit?: GroupCommit;
        readonly path?: never;
        readonly durability?: never;
        readonly busyTimeoutMs?: never;
      }
  );

/** A durable {@link IdempotencyStore} with SQLite extras for applications that write to the same database. */
export interface SqliteStore extends IdempotencyStore {
  /** The connection the store writes on. */
  readonly database: Database.Database;
  /** The group commit every write of the store goes through. */
  readonly groupCommit: GroupCommit;
  /**
   * Marks `key` done synchronously on {@link database}, whoever holds it. Call
   * it inside your own transaction (e.g. in `groupCommit.run`), so the mark
   * commits or rolls back with your rows; the pipeline's later `complete` then
   * finds the key done and writes nothing. With an `outcome` (a refusal),
   * every later claim answers `done` with that outcome.
   */
  markDone(key: string, outcome?: StoredOutcome): void;
  /**
   * Marks `key` done as of `doneAt` (epoch ms), synchronously, in your
   * transaction: kept until `doneAt + doneTtlMs`, as if it had been marked
   * then; nothing is written when that is past. For a row your table is
   * about to lose (retention) while `isHandled` stands for its mark: copies
   * still answer `done` for the rest of the TTL.
   */
  keepDone(key: string, doneAt: number): void;
  /** {@link keepDone} of each entry, as `@passworks-webhooks/postgres` takes them (synchronously here, in your transaction). */
  keepDone(entries: ReadonlyArray<{ readonly key: string; readonly doneAt: number }>): void;
  /** How long a done key is kept (the `doneTtlMs` option). */
  readonly doneTtlMs: number;
  /** Whether `key` is done now: marked by the store, or held by your table (`isHandled`). A read, no write. */
  isDone(key: string): boolean;
  /** Deletes expired claims and done keys past their TTL; resolves with how many. */
  prune(): Promise<number>;
  close(): Promise<void>;
}

const MAX_OWED = 10_000;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checkOptions(tableName: string, doneTtlMs: number, now: unknown, handlerDeduplicates: unknown, isHandled: unknown, handledBy: unknown): void {
  if (typeof handlerDeduplicates !== 'boolean')
    throw new PassworksWebhookError('invalid_config', `handlerDeduplicates: expected a boolean, got ${typeof handlerDeduplicates}`);
  if (isHandled !== undefined && typeof isHandled !== 'function')
    throw new PassworksWebhookError('invalid_config', `isHandled: expected a function, got ${typeof isHandled}`);
  if (isHandled !== undefined && !handlerDeduplicates)
    throw new PassworksWebhookError('invalid_config', 'isHandled: needs handlerDeduplicates: true (your handler deduplicates by the key it stores)');
  if (handledBy !== undefined) {
    if (typeof handledBy !== 'object' || handledBy === null)
      throw new PassworksWebhookError('invalid_config', `handledBy: expected { table, column }, got ${handledBy === null ? 'null' : typeof handledBy}`);
    if (isHandled !== undefined) throw new PassworksWebhookError('invalid_config', 'handledBy: give it or isHandled, not both');
    if (!handlerDeduplicates)
      throw new PassworksWebhookError('invalid_config', 'handledBy: needs handlerDeduplicates: true (your handler deduplicates by the key it stores)');
    for (const name of ['table', 'column'] as const) {
      const value = (handledBy as Record<string, unknown>)[name];
      if (typeof value !== 'string' || !TABLE_NAME.test(value))
        throw new PassworksWebhookError('invalid_config', `handledBy.${name}: expected an SQL identifier, got ${JSON.stringify(value)}`);
    }
  }
  if (!TABLE_NAME.test(tableName)) throw new PassworksWebhookError('invalid_config', `tableName: expected an SQL identifier, got ${JSON.stringify(tableName)}`);
  if (!Number.isSafeInteger(doneTtlMs) || doneTtlMs <= 0)
    throw new PassworksWebhookError('invalid_config', `doneTtlMs: expected a positive integer, got ${String(doneTtlMs)}`);
  if (typeof now !== 'function') throw new PassworksWebhookError('invalid_config', `now: expected a function, got ${typeof now}`);
}

/** `isHandled` of `handledBy`: one indexed read on the same database (the column is your table's unique key). */
function handledLookup(db: Database.Database, { table, column }: { readonly table: string; readonly column: string }): (key: string) => boolean {
  // Prepared at the first claim: your table may be created after the store.
  let lookup: Database.Statement<[string], number> | undefined;
  return (key) => (lookup ??= db.prepare<[string], number>(`SELECT 1 FROM ${table} WHERE ${column} = ?`).pluck()).get(key) !== undefined;
}

/** What a claim with `handlerDeduplicates` reads of a key: whether your table holds it, and its row in the keys table if live. */
interface KeySeen {
  readonly handled: 0 | 1;
  readonly state: 'pending' | 'done' | null;
  readonly outcome: string | null;
}

/** {@link KeySeen} of `handledBy` in one statement (a claim's two reads were two statements), prepared at the first claim. */
function claimLookup(
  db: Database.Database,
  { table, column }: { readonly table: string; readonly column: string },
  tableName: string,
): (key: string, now: number) => KeySeen {
  let lookup: Database.Statement<{ key: string; now: number }, KeySeen> | undefined;
  return (key, now) =>
    (lookup ??= db.prepare<{ key: string; now: number }, KeySeen>(
      `SELECT EXISTS (SELECT 1 FROM ${table} WHERE ${column} = @key) AS handled, k.state, k.outcome
       FROM (SELECT 1) LEFT JOIN ${tableName} k ON k.key = @key AND k.expires_at > @now`,
    )).get({ key, now }) as KeySeen;
}

/**
 * Creates the keys table, or brings an older one up to date (the `outcome`
 * column, JSON of a refusal's answer), in one `BEGIN IMMEDIATE` transaction:
 * idempotent, and safe when several processes open the file at once.
 */
function createTable(db: Database.Database, tableName: string): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${tableName} (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
      token TEXT,
      expires_at INTEGER NOT NULL,
      outcome TEXT
    ) WITHOUT ROWID`);
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${tableName}')`).pluck().all() as unknown as string[];
    if (!columns.includes('outcome')) db.exec(`ALTER TABLE ${tableName} ADD COLUMN outcome TEXT`);
  }).immediate();
}

/** A stored outcome as its column holds it, and back (only the three documented fields). */
const outcomeText = (outcome: StoredOutcome | undefined): string | null =>
  outcome === undefined ? null : JSON.stringify({ status: outcome.status, code: outcome.code, message: outcome.message });

function doneResult(outcome: string | null): ClaimResult {
  if (outcome === null) return { status: 'done' };
  const { status, code, message } = JSON.parse(outcome) as StoredOutcome;
  return { status: 'done', outcome: { status, code, message } };
}

/**
 * A durable idempotency store on better-sqlite3. Claims are one conditional
 * upsert inside a `BEGIN IMMEDIATE` transaction, so they are atomic across
 * every process sharing the file; concurrent writes share one transaction
 * (group commit). Done keys survive restarts.
 * @example
 * const store = createSqliteStore({ path: './data/webhooks.db' });
 * const webhooks = createWebhookHandler({ store });
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { tableName = 'passworks_idempotency_keys', doneTtlMs = 7 * 24 * 3_600_000, now = Date.now, handlerDeduplicates = false, handledBy } = options;
  checkOptions(tableName, doneTtlMs, now, handlerDeduplicates, options.isHandled, handledBy);
  if (options.groupCommit !== undefined && options.lockWaitMs !== undefined) {
    throw new PassworksWebhookError('invalid_config', 'lockWaitMs: set it on the groupCommit you pass (createGroupCommit(db, { lockWaitMs }))');
  }
  const owned = options.database === undefined;
  const db =
    options.database ??
    openDatabase({
      path: options.path,
      ...(options.durability === undefined ? {} : { durability: options.durability }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
  let writes: GroupCommit;
  try {
    // Start-up work: it may wait for another process's lock (see withBusyTimeout).
    withBusyTimeout(db, 5_000, () => createTable(db, tableName));
    writes = options.groupCommit ?? createGroupCommit(db, options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs });
  } catch (error) {
    if (owned) db.close();
    throw error;
  }
  const ownsWrites = options.groupCommit === undefined;
  const isHandled = options.isHandled ?? (handledBy === undefined ? undefined : handledLookup(db, handledBy));

  // A claim takes an expired row, or a pending one whose release failed here (@owed: see `owed` below).
  const claimRow = db.prepare<{ key: string; token: string; expiresAt: number; now: number; owed: string | null }>(
    `INSERT INTO ${tableName} (key, state, token, expires_at) VALUES (@key, 'pending', @token, @expiresAt)
     ON CONFLICT (key) DO UPDATE SET state = 'pending', token = excluded.token, expires_at = excluded.expires_at, outcome = NULL
     WHERE ${tableName}.expires_at <= @now OR (${tableName}.state = 'pending' AND ${tableName}.token = @owed)`,
  );
  const stateOf = db.prepare<[string, number], { state: 'pending' | 'done'; outcome: string | null }>(
    `SELECT state, outcome FROM ${tableName} WHERE key = ? AND expires_at > ?`,
  );
  const completeRow = db.prepare<{ key: string; token: string; expiresAt: number; now: number; outcome: string | null }>(
    `INSERT INTO ${tableName} (key, state, token, expires_at, outcome) VALUES (@key, 'done', NULL, @expiresAt, @outcome)
     ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome
     WHERE ${tableName}.state = 'done' OR ${tableName}.token = @token OR ${tableName}.expires_at <= @now`,
  );
  const markRow = db.prepare<[string, number, string | null]>(
    `INSERT INTO ${tableName} (key, state, token, expires_at, outcome) VALUES (?, 'done', NULL, ?, ?)
     ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome`,
  );
  const renewRow = db.prepare<[number, string, string]>(`UPDATE ${tableName} SET expires_at = ? WHERE key = ? AND state = 'pending' AND token = ?`);
  const releaseRow = db.prepare<[string, string]>(`DELETE FROM ${tableName} WHERE key = ? AND state = 'pending' AND token = ?`);
  const pruneRows = db.prepare<[number]>(`DELETE FROM ${tableName} WHERE expires_at <= ?`);
  /**
   * Claims whose release failed (the database was failing: a full disk, a
   * lock held too long): key -> token. The claim is still pending on disk,
   * but its delivery is over, so this process's next claim of the key takes
   * it back instead of answering `in_flight` until the lease ends: the first
   * retry after the fault succeeds (issue 8, item 4). Other processes wait
   * for the lease, as after a crash. Bounded: the oldest are forgotten.
   */
  const owed = new Map<string, string>();
  const owe = (key: string, token: string): void => {
    owed.delete(key);
    owed.set(key, token);
    if (owed.size > MAX_OWED) owed.delete(owed.keys().next().value as string);
  };
  const markedDone = (key: string): boolean => stateOf.get(key, now())?.state === 'done';
  const isDone = (key: string): boolean => isHandled?.(key) === true || markedDone(key);
  /** With `handlerDeduplicates`: this process's claims (removed on complete and release). */
  const held = createInProcessClaims(now);

  const lookup = handledBy === undefined || options.isHandled !== undefined ? undefined : claimLookup(db, handledBy, tableName);
  /** Whether `key` is handled, and its row in the keys table: with `handledBy`, one statement for both. */
  const seen = (key: string, time: number): KeySeen =>
    lookup !== undefined ? lookup(key, time) : { handled: isHandled?.(key) === true ? 1 : 0, ...(stateOf.get(key, time) ?? { state: null, outcome: null }) };

  const claimInProcess = (key: string, leaseMs: number): ClaimResult => {
    const row = seen(key, now());
    if (row.handled === 1) return { status: 'done' };
    if (row.state !== null) return row.state === 'done' ? doneResult(row.outcome) : { status: 'in_flight' };
    return held.claim(key, leaseMs);
  };

  return {
    database: db,
    groupCommit: writes,
    claim(key, { leaseMs }) {
      if (handlerDeduplicates) return claimInProcess(key, leaseMs);
      const owedToken = owed.get(key) ?? null;
      const claimed = writes.run((): ClaimResult => {
        const time = now();
        const token = randomUUID();
        if (claimRow.run({ key, token, expiresAt: time + leaseMs, now: time, owed: owedToken }).changes === 1) return { status: 'claimed', token };
        const row = stateOf.get(key, time);
        return row?.state === 'done' ? doneResult(row.outcome) : { status: 'in_flight' };
      });
      if (owedToken === null) return claimed;
      return claimed.then((result) => {
        if (owed.get(key) === owedToken) owed.delete(key);
        return result;
      });
    },
    renew(key, token, { leaseMs }) {
      if (handlerDeduplicates) return held.renew(key, token, leaseMs);
      return writes.run(() => renewRow.run(now() + leaseMs, key, token).changes === 1);
    },
    async complete(key, token, outcome) {
      const heldHere = held.release(key, token);
      // Done already (marked inside the caller's own transaction, or held by its table): nothing to write.
      // A refusal's outcome is the store's to keep, whatever the caller's table holds.
      if (outcome === undefined ? isDone(key) : markedDone(key)) return true;
      // An in-process claim released, or taken over after its lease ran out.
      if (handlerDeduplicates && !heldHere) return false;
      return writes.run(() => {
        const time = now();
        return completeRow.run({ key, token, expiresAt: time + doneTtlMs, now: time, outcome: outcomeText(outcome) }).changes === 1;
      });
    },
    release(key, token) {
      if (handlerDeduplicates) return held.release(key, token);
      return writes
        .run(() => releaseRow.run(key, token).changes === 1)
        .catch((error: unknown) => {
          owe(key, token);
          throw error;
        });
    },
    markDone(key, outcome) {
      markRow.run(key, now() + doneTtlMs, outcomeText(outcome));
    },
    keepDone(keyOrEntries: string | ReadonlyArray<{ readonly key: string; readonly doneAt: number }>, doneAt?: number) {
      const entries = typeof keyOrEntries === 'string' ? [{ key: keyOrEntries, doneAt: doneAt as number }] : keyOrEntries;
      const time = now();
      for (const entry of entries) if (entry.doneAt + doneTtlMs > time) markRow.run(entry.key, entry.doneAt + doneTtlMs, null);
    },
    doneTtlMs,
    isDone,
    prune() {
      return writes.run(() => pruneRows.run(now()).changes);
    },
    async close() {
      if (ownsWrites) await writes.close();
      if (owned && db.open) db.close();
    },
  };
}
