import pg from 'pg';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { redactedUrl } from '../../common/redacted-url.js';
import { POSTGRES_MIGRATIONS, type ConcurrentIndexChange, type PostgresMigration } from './migrations.js';

/** Options of {@link migratePostgres} and {@link openMigrationClient}. */
export interface MigratePostgresOptions {
  /** The steps (tests pass a prefix, or extra steps). @default POSTGRES_MIGRATIONS */
  readonly migrations?: readonly PostgresMigration[];
  /**
   * How long one statement may wait for a table lock (`lock_timeout`): a step
   * queued behind another session's lock would queue every writer of that
   * table behind it. Past it the attempt fails and start-up tries again later.
   * The work itself has no time limit. @default 10_000
   */
  readonly lockTimeoutMs?: number;
  /** How long connecting may take. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** How often to ask again for the migration lock another process holds. @default 250 */
  readonly lockPollMs?: number;
  /** Called once when another process holds the migration lock and this one waits for it. */
  readonly onLockWait?: () => void;
}

/** The advisory lock that serialises migrations, across versions (older ones take it per transaction). */
const MIGRATION_LOCK = `hashtextextended('passworks-receiver:migrations', 0)`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a connection failure says: Node's AggregateError (one error per address tried) has an empty message. */
export function causeOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return error.errors.map(causeOf).join('; ');
  if (error instanceof Error) return error.message === '' ? ((error as NodeJS.ErrnoException).code ?? error.name) : error.message;
  return String(error);
}

/**
 * Opens the connection migrations run on: its own, outside the pool, with no
 * statement, query or idle-in-transaction timeout whatever the server, role
 * or database defaults say (a step over millions of rows takes what it
 * takes), and `lock_timeout` bounding only waits for table locks.
 * @throws PassworksWebhookError `store_unavailable`: "cannot open the database at <URL without password>: <cause>"
 */
export async function openMigrationClient(
  connectionString: string,
  { lockTimeoutMs = 10_000, connectTimeoutMs = 10_000 }: MigratePostgresOptions = {},
): Promise<pg.Client> {
  let client: pg.Client | undefined;
  try {
    client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
    // A connection dropped by the server fails the query in progress; without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    await client.query(`SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0; SET lock_timeout = ${Math.max(0, Math.trunc(lockTimeoutMs))}`);
  } catch (error) {
    await client?.end().catch(() => undefined);
    throw new PassworksWebhookError('store_unavailable', `cannot open the database at ${redactedUrl(connectionString)}: ${causeOf(error)}`, { cause: error });
  }
  return client;
}

/** Builds (or drops) one index outside any transaction, without blocking writers; idempotent, and an index left INVALID by an interrupted build is dropped and built again. */
async function changeIndex(client: pg.Client, change: ConcurrentIndexChange): Promise<void> {
  if ('drop' in change) {
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${change.drop}`);
    return;
  }
  const { rows } = await client.query<{ valid: boolean }>('SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)', [change.create]);
  if (rows[0]?.valid === false) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${change.create}`);
  await client.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${change.create} ON ${change.on}`);
}

/**
 * Brings the database to the latest step on `client` (from
 * {@link openMigrationClient}), holding the migration advisory lock for the
 * session: instances starting together apply each step once. A step's index
 * changes run first, outside any transaction (`CONCURRENTLY`: writers go on);
 * its SQL then runs in one transaction with its version row, so a step is
 * recorded only once all of it is done, and a step cut short is run again
 * whole. The lock is asked for with `pg_try_advisory_lock`, polled: a session
 * blocked on the lock would hold a snapshot, and `CREATE INDEX CONCURRENTLY`
 * in the session holding it waits for every older snapshot. Refuses a
 * database written by a newer receiver.
 * @returns the versions applied now (empty when already current)
 */
export async function migrateOn(
  client: pg.Client,
  { migrations = POSTGRES_MIGRATIONS, lockPollMs = 250, onLockWait }: MigratePostgresOptions = {},
): Promise<number[]> {
  let waited = false;
  while (!(await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${MIGRATION_LOCK}) AS locked`)).rows[0]?.locked) {
    if (!waited) onLockWait?.();
    waited = true;
    await sleep(lockPollMs);
  }
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS passworks_receiver_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM passworks_receiver_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new PassworksWebhookError(
        'invalid_config',
        `the PostgreSQL database has receiver schema version ${current}, written by a newer passworks-receiver; this version knows schema ${migrations.length} at most. Upgrade passworks-receiver, or point DATABASE_URL at another database.`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      for (const change of migration.concurrently ?? []) await changeIndex(client, change);
      await client.query('BEGIN');
      try {
        if (migration.sql.trim() !== '') await client.query(migration.sql);
        await client.query('INSERT INTO passworks_receiver_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
  }
}

/**
 * Opens a migration connection ({@link openMigrationClient}), brings the
 * database to the latest step ({@link migrateOn}) and closes it.
 * @returns the versions applied now (empty when already current)
 */
export async function migratePostgres(connectionString: string, options: MigratePostgresOptions = {}): Promise<number[]> {
  const client = await openMigrationClient(connectionString, options);
  try {
    return await migrateOn(client, options);
  } finally {
    await client.end().catch(() => undefined);
  }
}
