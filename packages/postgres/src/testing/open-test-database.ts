import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A fresh, empty database for one test file, dropped by {@link TestDatabase.drop}. */
export interface TestDatabase {
  /** `postgres://user@host:port/name` of the fresh database. */
  readonly connectionString: string;
  /** The fresh database's name. */
  readonly name: string;
  /** Drops the database (closing any connection still on it). */
  drop(): Promise<void>;
}

/** What {@link openTestDatabase} answers when no server is reachable outside CI. */
export interface SkipTests {
  /** One line saying why the tests skip and how to run them. */
  readonly skip: string;
}

const HOW_TO_RUN = 'start one with `bash .ci/setup/postgres.sh` (or point PGHOST/PGPORT/PGUSER at one); with CI=true this is a failure';

async function tryConnect(config: pg.ClientConfig): Promise<pg.Client | Error> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Connects to the machine's PostgreSQL (`PGHOST` or 127.0.0.1, `PGPORT` or
 * 5432, `PGUSER` or postgres then root, trust auth, maintenance database
 * `PGDATABASE` or `test`) and creates a fresh database for one test file.
 * No server reachable: with `CI=true` it throws (tests never skip in CI),
 * otherwise it answers `{ skip }` with one line saying how to run the tests.
 * @example
 * const db = await openTestDatabase();
 * if ('skip' in db) t.plan(0, db.skip);
 * else t.teardown(db.drop);
 */
export async function openTestDatabase(): Promise<TestDatabase | SkipTests> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = Number(process.env.PGPORT ?? 5432);
  const database = process.env.PGDATABASE ?? 'test';
  const users = process.env.PGUSER === undefined ? ['postgres', 'root'] : [process.env.PGUSER];
  let admin: pg.Client | undefined;
  let lastError: Error | undefined;
  for (const user of users) {
    const result = await tryConnect({ host, port, user, database });
    if (result instanceof pg.Client) {
      admin = result;
      break;
    }
    lastError = result;
  }
  if (admin === undefined) {
    const reason = `no PostgreSQL at ${host}:${port} (${lastError?.message ?? 'unreachable'})`;
    if (process.env.CI === 'true') throw new Error(`PostgreSQL tests cannot run in CI: ${reason}`);
    return { skip: `PostgreSQL tests skipped: ${reason}; ${HOW_TO_RUN}` };
  }
  const name = `passworks_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const user = admin.user as string;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    connectionString: `postgres://${encodeURIComponent(user)}@${host}:${port}/${name}`,
    async drop() {
      const client = await tryConnect({ host, port, user, database });
      if (client instanceof Error) throw client;
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
