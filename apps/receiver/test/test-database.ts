import pg from 'pg';
import t from 'tap';
import { openTestDatabase, type TestDatabase } from '@passworks-webhooks/postgres/testing';

/**
 * A fresh PostgreSQL database for this test file, dropped at teardown; with
 * no server reachable outside CI, undefined and one skipped test saying why
 * (see {@link openTestDatabase}).
 */
export async function testDatabase(): Promise<TestDatabase | undefined> {
  const database = await openTestDatabase();
  if ('skip' in database) {
    t.skip(database.skip, () => undefined);
    return undefined;
  }
  t.teardown(() => database.drop());
  return database;
}

/**
 * Creates `schema` in the test database; answers a URL of the database whose
 * connections use it (`-c search_path`, then `settings`: more `-c` options).
 */
export async function createSchema(database: TestDatabase, schema: string, settings = ''): Promise<string> {
  const client = new pg.Client({ connectionString: database.connectionString });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return `${database.connectionString}?options=${encodeURIComponent(`-c search_path=${schema}${settings}`)}`;
}

/** Fresh schemas `<prefix>_1`, `<prefix>_2`, … of the test database: each call creates the next; its name and {@link createSchema}'s URL. */
export function freshSchemas(database: TestDatabase, prefix: string): () => Promise<{ schema: string; url: string }> {
  let made = 0;
  return async () => {
    const schema = `${prefix}_${++made}`;
    return { schema, url: await createSchema(database, schema) };
  };
}
