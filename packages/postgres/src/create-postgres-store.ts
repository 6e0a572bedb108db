import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PassworksWebhookError, createInProcessClaims, type ClaimOptions, type ClaimResult, type IdempotencyStore } from '@passworks-webhooks/core';
import { batchPerTurn } from './batch-per-turn.js';
import { migrate } from './migrate.js';
import { prepared } from './prepared.js';
import { statements, type HandledBy } from './statements.js';
import { IDENTIFIER, tableName as checkTableName } from './table-name.js';
import { toStoreUnavailable } from './to-store-unavailable.js';

interface CommonOptions {
  /** The table holding the keys (created if missing). @default 'passworks_idempotency_keys' */
  readonly tableName?: string;
  /** The schema of the table (created if missing). @default 'public' */
  readonly schema?: string;
  /** How long a done key is remembered. @default 604_800_000 (7 days) */
  readonly doneTtlMs?: number;
  /**
   * The clock, in epoch milliseconds (tests pass a fake one). Without it the
   * database server's clock decides every lease and TTL, so processes on hosts
   * whose clocks disagree still agree on expiry.
   * @default the database clock (`statement_timestamp()`)
   */
  readonly now?: () => number;
  /**
   * The most claims (or completions) sent in one statement: those of one
   * event-loop turn share a round trip and a commit. `1` sends each alone.
   * @default 256
   */
  readonly maxBatchSize?: number;
  /**
   * How long one statement may run, waiting for a connection included, before
   * it fails with `store_unavailable` (never a hang). @default 5_000
   */
  readonly queryTimeoutMs?: number;
  /**
   * Your handlers deduplicate in their own transaction: they write the event
   * under a unique key and mark the key done in that same transaction
   * (`markDone(key, undefined, client)` or `markDoneQuery`), or your table's
   * row is the mark (`handledBy`). That transaction alone keeps each event
   * once, so claims are not written: a claim is one read per event-loop turn
   * (done, or held by a process that writes its claims, answers so) and an
   * entry in this process's memory. A copy at this process answers
   * `in_flight` while the first is handled; a copy at another process runs its
   * handler, whose transaction finds the event stored.
   * @default false
   */
  readonly handlerDeduplicates?: boolean;
  /**
   * With `handlerDeduplicates`: the table and unique column where your
   * handler stores each key, so your row is the done mark: a claim of a
   * stored key answers `done` and `complete` writes nothing for it. A
   * refusal's outcome (or a key completed without your row) still gets the
   * store's own mark. Before you delete such rows, call `keepDone` in the same
   * transaction so late copies stay duplicates for the rest of `doneTtlMs`.
   * @example handledBy: { table: 'orders', column: 'webhook_key' }
   */
  readonly handledBy?: { readonly table: string; readonly column: string; readonly schema?: string };
}

/** Options of {@link createPostgresStore}: a connection string (the store owns its pool), or a pool you own. */
export type PostgresStoreOptions = CommonOptions &
  (
    | {
        /** `postgres://user:password@host:port/database`: the store opens a pool and ends it on `close()`. */
        readonly connectionString: string;
        /** The most connections of the pool. @default 10 */
        readonly poolSize?: number;
        /** How long opening a connection may take. @default 5_000 */
        readonly connectTimeoutMs?: number;
        readonly pool?: never;
      }
    | {
        /** A pool the caller set up and ends (the store never ends it). */
        readonly pool: pg.Pool;
        readonly connectionString?: never;
        readonly poolSize?: never;
        readonly connectTimeoutMs?: never;
      }
  );

/** The answer a refused key is finished with (core's `StoredOutcome`): kept with the key, given to every later claim. */
export interface RefusalOutcome {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** A connection a caller's transaction runs on: a `pg.PoolClient` or a `pg.Client`. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** A durable {@link IdempotencyStore} on PostgreSQL, shared by any number of processes and hosts. */
export interface PostgresStore extends IdempotencyStore {
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Extends the claim `token` holds on `key` to `leaseMs` from now; false when `token` no longer holds it. */
  renew(key: string, token: string, options: ClaimOptions): Promise<boolean>;
  complete(key: string, token: string, outcome?: RefusalOutcome): Promise<boolean>;
  release(key: string, token: string): Promise<boolean>;
  /** The pool the store queries through. */
  readonly pool: pg.Pool;
  /** Creates the table if missing (every other method does it first; call it to fail fast at start-up). */
  migrate(): Promise<void>;
  /**
   * Marks `key` (or every key of a list) done, whoever holds it. With an
   * `outcome` (a refusal), every later claim answers `done` with it. Pass
   * the client of your own open transaction so the mark commits or rolls
   * back with your rows; the pipeline's later `complete` then finds the key
   * done and writes nothing. Without a client it runs on the pool, on its own.
   */
  markDone(key: string | readonly string[], outcome?: RefusalOutcome, client?: Queryable): Promise<void>;
  /**
   * The done mark of {@link markDone} as SQL and values, to put in a
   * statement of your own as a data-modifying `WITH` (one round trip for
   * your rows and the mark). Its parameters are numbered from `first`.
   * @example
   * const done = store.markDoneQuery(keys, 2);
   * await client.query(`WITH done AS (${done.text}) INSERT INTO orders SELECT * FROM json_populate_recordset(NULL::orders, $1)`, [rows, ...done.values]);
   */
  markDoneQuery(keys: readonly string[], first?: number, outcome?: RefusalOutcome): { readonly text: string; readonly values: unknown[] };
  /**
   * With `handledBy`, before you delete rows of your table: marks each key
   * done until its `doneAt` (epoch ms) + `doneTtlMs`, so a late copy still
   * answers duplicate; keys past that are skipped. Pass the client of your
   * deleting transaction.
   */
  keepDone(entries: ReadonlyArray<{ readonly key: string; readonly doneAt: number }>, client?: Queryable): Promise<void>;
  /** How long a done key is remembered (the option). */
  readonly doneTtlMs: number;
  /** Whether `key` is done now: the store's mark, or your row (`handledBy`). A read, no write. */
  isDone(key: string): Promise<boolean>;
  /** Deletes expired claims and done keys past their TTL; resolves with how many. */
  prune(): Promise<number>;
  /** Waits for queued claims, then ends the pool if the store opened it. */
  close(): Promise<void>;
}

interface ClaimInput {
  readonly key: string;
  readonly leaseMs: number;
}

interface CompleteInput {
  readonly key: string;
  readonly token: string;
  readonly outcome: RefusalOutcome | undefined;
}

interface LookupRow {
  readonly key: string;
  readonly state: 'pending' | 'done' | null;
  readonly outcome: RefusalOutcome | null;
  readonly handled: boolean;
}

interface ClaimRow {
  readonly key: string;
  readonly claimed: boolean;
  readonly state: 'pending' | 'done' | null;
  readonly outcome: RefusalOutcome | null;
}

/** An outcome as its column holds it (only the three documented fields). */
const outcomeJson = (outcome: RefusalOutcome | undefined): string | null =>
  outcome === undefined ? null : JSON.stringify({ status: outcome.status, code: outcome.code, message: outcome.message });

function doneResult(outcome: RefusalOutcome | null): ClaimResult {
  if (outcome === null) return { status: 'done' };
  const { status, code, message } = outcome;
  return { status: 'done', outcome: { status, code, message } } as ClaimResult;
}

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new PassworksWebhookError('invalid_config', `${name}: expected a positive integer, got ${String(value)}`);
  }
}

function openPool(connectionString: unknown, poolSize: number, connectTimeoutMs: number, queryTimeoutMs: number): pg.Pool {
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new PassworksWebhookError(
      'invalid_config',
      `connectionString: expected a postgres:// URL, got ${typeof connectionString === 'string' ? 'an empty string' : typeof connectionString}`,
    );
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
  });
  // An idle connection dropped by the server (restart, failover) is removed
  // from the pool and replaced on demand; without a listener it would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Checks `handledBy` and quotes its names. */
function handledByOf(handledBy: PostgresStoreOptions['handledBy'], handlerDeduplicates: boolean): HandledBy | undefined {
  if (handledBy === undefined) return undefined;
  if (typeof handledBy !== 'object' || handledBy === null)
    throw new PassworksWebhookError('invalid_config', `handledBy: expected { table, column }, got ${handledBy === null ? 'null' : typeof handledBy}`);
  if (!handlerDeduplicates)
    throw new PassworksWebhookError('invalid_config', 'handledBy: needs handlerDeduplicates: true (your handler deduplicates by the key it stores)');
  const { table, column, schema } = handledBy;
  for (const [name, value] of [['table', table], ['column', column], ...(schema === undefined ? [] : [['schema', schema]])] as const) {
    if (typeof value !== 'string' || !IDENTIFIER.test(value))
      throw new PassworksWebhookError('invalid_config', `handledBy.${name}: expected an SQL identifier, got ${JSON.stringify(value)}`);
  }
  return { table: schema === undefined ? `"${table}"` : `"${schema}"."${table}"`, column: `"${column}"` };
}

/**
 * A durable idempotency store on PostgreSQL (node-postgres). A claim is one
 * atomic statement (insert, or take over an expired lease, returning the
 * outcome), correct under any number of processes on any number of hosts;
 * the claims of one event-loop turn share one statement. Every database
 * failure rejects with `store_unavailable`. The table is created on first use.
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL });
 * const webhooks = createWebhookHandler({ store });
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const {
    tableName = 'passworks_idempotency_keys',
    schema = 'public',
    doneTtlMs = 7 * 24 * 3_600_000,
    now,
    maxBatchSize = 256,
    queryTimeoutMs = 5_000,
    handlerDeduplicates = false,
  } = options;
  const table = checkTableName(schema, tableName);
  positiveInteger('doneTtlMs', doneTtlMs);
  positiveInteger('maxBatchSize', maxBatchSize);
  positiveInteger('queryTimeoutMs', queryTimeoutMs);
  if (now !== undefined && typeof now !== 'function') throw new PassworksWebhookError('invalid_config', `now: expected a function, got ${typeof now}`);
  const owned = options.pool === undefined;
  let pool: pg.Pool;
  let timeoutMs = queryTimeoutMs;
  if (options.pool === undefined) {
    const { poolSize = 10, connectTimeoutMs = 5_000 } = options;
    positiveInteger('poolSize', poolSize);
    positiveInteger('connectTimeoutMs', connectTimeoutMs);
    pool = openPool(options.connectionString, poolSize, connectTimeoutMs, queryTimeoutMs);
    timeoutMs += connectTimeoutMs;
  } else {
    if (typeof options.pool !== 'object' || options.pool === null || typeof options.pool.query !== 'function') {
      throw new PassworksWebhookError('invalid_config', `pool: expected a pg.Pool, got ${options.pool === null ? 'null' : typeof options.pool}`);
    }
    pool = options.pool;
  }
  if (typeof handlerDeduplicates !== 'boolean')
    throw new PassworksWebhookError('invalid_config', `handlerDeduplicates: expected a boolean, got ${typeof handlerDeduplicates}`);
  const sql = statements(table, handledByOf(options.handledBy, handlerDeduplicates));
  const time = (): number | null => (now === undefined ? null : now());
  let closed = false;

  const closedError = (): PassworksWebhookError => new PassworksWebhookError('store_unavailable', 'the PostgreSQL store is closed');

  /** Runs one statement, bounded in time, with every failure as `store_unavailable`. */
  const run = async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[], on: Queryable = pool): Promise<pg.QueryResult<R>> => {
    if (closed) throw closedError();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([on.query<R>(prepared(text, values)), timeout]);
    } catch (error) {
      throw toStoreUnavailable(error, doing);
    } finally {
      clearTimeout(timer);
    }
  };

  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= migrate(pool, table).catch((error: unknown) => {
      migrated = undefined; // the next call tries again (the database may be back)
      throw toStoreUnavailable(error, 'creating the table');
    });
    return migrated;
  };

  const claimMany = async (inputs: readonly ClaimInput[]): Promise<ClaimResult[]> => {
    await ready();
    // One row per key in a statement: a key claimed twice in one batch is sent once.
    const tokens = new Map<string, string>();
    const leases: number[] = [];
    for (const { key, leaseMs } of inputs) {
      if (tokens.has(key)) continue;
      tokens.set(key, randomUUID());
      leases.push(leaseMs);
    }
    const { rows } = await run<ClaimRow>('claiming a key', sql.claim, [[...tokens.keys()], [...tokens.values()], leases, time()]);
    const outcomes = new Map<string, ClaimResult>();
    for (const row of rows) {
      outcomes.set(
        row.key,
        row.claimed ? { status: 'claimed', token: tokens.get(row.key) as string } : row.state === 'done' ? doneResult(row.outcome) : { status: 'in_flight' },
      );
    }
    return inputs.map(({ key }) => {
      const outcome = outcomes.get(key) ?? { status: 'in_flight' };
      if (outcome.status === 'claimed') outcomes.set(key, { status: 'in_flight' }); // the first of a key in the batch holds it
      return outcome;
    });
  };
  /** With `handlerDeduplicates`: this process's claims (removed on complete and release), on this process's clock (the injected one in tests). */
  const held = createInProcessClaims(now ?? Date.now);
  /** With `handlerDeduplicates`: one read for the keys of a turn, then the claims in memory. */
  const claimInProcess = async (inputs: readonly ClaimInput[]): Promise<ClaimResult[]> => {
    await ready();
    const { rows } = await run<LookupRow>('reading a key', sql.lookup, [[...new Set(inputs.map(({ key }) => key))], time()]);
    const found = new Map(rows.map((row) => [row.key, row]));
    return inputs.map(({ key, leaseMs }): ClaimResult => {
      const row = found.get(key);
      if (row?.state === 'done') return doneResult(row.outcome);
      if (row?.handled === true) return { status: 'done' };
      if (row?.state === 'pending') return { status: 'in_flight' }; // held by a process that writes its claims
      return held.claim(key, leaseMs);
    });
  };
  const completeMany = async (inputs: readonly CompleteInput[]): Promise<boolean[]> => {
    await ready();
    const results: boolean[] = [];
    // A statement writes a row at most once: a key completed twice in one batch goes in a second statement.
    let remaining = inputs.map((input, index) => ({ ...input, index }));
    while (remaining.length > 0) {
      const distinct = new Map<string, { readonly token: string; readonly outcome: RefusalOutcome | undefined; readonly index: number }>();
      const later: typeof remaining = [];
      for (const item of remaining) {
        if (distinct.has(item.key)) later.push(item);
        else distinct.set(item.key, item);
      }
      const { rows } = await run<{ key: string; completed: boolean }>('completing a key', sql.complete, [
        [...distinct.keys()],
        [...distinct.values()].map((item) => item.token),
        doneTtlMs,
        time(),
        [...distinct.values()].map((item) => outcomeJson(item.outcome)),
      ]);
      const completed = new Map(rows.map((row) => [row.key, row.completed]));
      for (const [key, { index }] of distinct) results[index] = completed.get(key) === true;
      remaining = later;
    }
    return results;
  };
  const markDoneQuery = (keys: readonly string[], first = 1, outcome?: RefusalOutcome): { text: string; values: unknown[] } => {
    positiveInteger('first', first);
    return { text: sql.markDone(first), values: [keys, doneTtlMs, time(), outcomeJson(outcome)] };
  };
  const maxInFlight = owned ? (options.poolSize ?? 10) : Math.max(1, pool.options.max ?? 10);
  const claimBatch = handlerDeduplicates ? claimInProcess : claimMany;
  const claims = batchPerTurn({ execute: claimBatch, maxBatchSize, maxInFlight });
  const isDone = async (key: string): Promise<boolean> => {
    await ready();
    return (await run('reading a key', sql.isDone, [key, time()])).rowCount === 1;
  };
  const completions = batchPerTurn({ execute: completeMany, maxBatchSize, maxInFlight });

  return {
    pool,
    migrate: ready,
    claim(key, { leaseMs }) {
      if (closed) return Promise.reject(closedError());
      return maxBatchSize === 1 ? claimBatch([{ key, leaseMs }]).then(([result]) => result as ClaimResult) : claims.run({ key, leaseMs });
    },
    async renew(key, token, { leaseMs }) {
      if (handlerDeduplicates) return held.renew(key, token, leaseMs);
      await ready();
      return (await run('renewing a claim', sql.renew, [key, token, leaseMs, time()])).rowCount === 1;
    },
    complete(key, token, outcome) {
      if (closed) return Promise.reject(closedError());
      if (handlerDeduplicates) {
        // A claim released, or taken over after its lease ran out, is not this token's to complete.
        if (!held.release(key, token)) return isDone(key);
      }
      const input = { key, token, outcome };
      return maxBatchSize === 1 ? completeMany([input]).then(([result]) => result === true) : completions.run(input);
    },
    async release(key, token) {
      if (handlerDeduplicates) return held.release(key, token);
      await ready();
      return (await run('releasing a key', sql.release, [key, token])).rowCount === 1;
    },
    async markDone(key, outcome, client) {
      await ready();
      const { text, values } = markDoneQuery(typeof key === 'string' ? [key] : key, 1, outcome);
      await run('marking a key done', text, values, client);
    },
    markDoneQuery,
    async keepDone(entries, client) {
      if (entries.length === 0) return;
      await ready();
      await run('keeping done keys', sql.keepDone, [entries.map(({ key }) => key), entries.map(({ doneAt }) => doneAt), doneTtlMs, time()], client);
    },
    doneTtlMs,
    isDone,
    async prune() {
      await ready();
      return (await run('pruning keys', sql.prune, [time()])).rowCount ?? 0;
    },
    async close() {
      if (closed) return;
      await Promise.all([claims.drain(), completions.drain()]);
      closed = true;
      if (owned) await pool.end();
    },
  };
}
