// PostgreSQL migrations at start-up (issue 20, item 4): on a connection of
// their own without the pool's statement timeout; start-up waits for them,
// backing off on a failure (each logged with its cause, a bounded number of
// attempts) and answers no delivery before they are done; schema 9's index is
// built CONCURRENTLY (writers go on), and an INVALID one left by a build cut
// short is dropped and built again.
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { POSTGRES_MIGRATIONS, createPostgresStorage, startReceiver } from '@passworks-webhooks/receiver';
import { migratePostgres } from '../../src/storage/postgres/migrate-postgres.js';
import { API_KEY, WEBHOOK_PATH, waitFor } from '../helpers.js';
import { createSchema, testDatabase } from '../test-database.js';
import { freePort } from '../free-port.js';

const BEFORE_INDEX_STEP = POSTGRES_MIGRATIONS.findIndex((migration) => migration.concurrently !== undefined);
/** The versions an upgrade from just before the CONCURRENTLY step applies: that step and every one appended after it. */
const FROM_INDEX_STEP = POSTGRES_MIGRATIONS.slice(BEFORE_INDEX_STEP).map((migration) => migration.version);
const RETRYING = 'the database schema could not be migrated: trying again';
const insertEvent = `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
  sort_key, voided, redeemed_count, received_at, raw) VALUES ($1, 'pass.installed', 'p', 'c', 'd', 's', '2026-03-01T09:00:00Z', $2, 'k', false, 0, 0, '\\x7b7d')`;
const insertPass = `INSERT INTO passes (pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, last_event,
  last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at)
  VALUES ($1, 'c', 'd', 's', 't', 't', false, 0, 'created', 't', 'k', 1, 0, '[]', '{}', 0)`;

/** A pino logger whose JSON lines are kept, parsed. */
function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const database = await testDatabase();
if (database !== undefined) {
  /** A client of the test database, closed at teardown. */
  const connect = async (t: Test, connectionString: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString });
    client.on('error', () => undefined);
    await client.connect();
    t.teardown(() => client.end());
    return client;
  };
  const versionOf = async (client: pg.Client): Promise<number> =>
    Number((await client.query<{ v: number }>('SELECT max(version) AS v FROM passworks_receiver_migrations')).rows[0]?.v);
  const indexOf = async (client: pg.Client, name: string): Promise<{ definition: string; valid: boolean } | undefined> =>
    (
      await client.query<{ definition: string; valid: boolean }>(
        'SELECT pg_get_indexdef(indexrelid) AS definition, indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
        [name],
      )
    ).rows[0];

  t.test('a step longer than the statement timeout of the pool and of the URL completes: migrations run with none', async (t) => {
    // The URL itself sets a 300 ms statement timeout for every connection; the pool's is 300 ms too.
    const url = await createSchema(database, 'timeouts', ' -c statement_timeout=300');
    const slow = {
      version: POSTGRES_MIGRATIONS.length + 1,
      description: 'slow',
      sql: `CREATE TABLE slow_step AS SELECT current_setting('statement_timeout') AS statement_timeout, (SELECT true FROM pg_sleep(1)) AS slept`,
    };
    const storage = createPostgresStorage({ connectionString: url, queryTimeoutMs: 300, poolSize: 2, migrations: [...POSTGRES_MIGRATIONS, slow] });
    t.teardown(() => storage.close());
    await t.rejects(storage.pool.query('SELECT pg_sleep(1)'), /timeout/, 'the pool cuts a statement of 1 s');
    await storage.migrate({ attempts: 1 });
    const { rows } = await storage.pool.query<{ statement_timeout: string; slept: boolean }>('SELECT * FROM slow_step');
    t.same(rows, [{ statement_timeout: '0', slept: true }], 'the step saw no statement timeout and slept 1 s');
    t.equal(Number((await storage.pool.query<{ v: number }>('SELECT max(version) AS v FROM passworks_receiver_migrations')).rows[0]?.v), slow.version);
  });

  t.test('start-up waits on a locked table, backing off with each failure logged, and answers no delivery until migrated', async (t) => {
    const url = await createSchema(database, 'locked');
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, BEFORE_INDEX_STEP) });
    const locker = await connect(t, url);
    await locker.query('BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const port = await freePort();
    const { logger, lines } = capturedLogger();
    const starting = startReceiver({
      apiKeys: [API_KEY],
      databasePath: 'unused.db',
      databaseUrl: url,
      port,
      host: '127.0.0.1',
      logger,
      migration: { lockTimeoutMs: 200, backoffBaseMs: 100, backoffMaxMs: 200, attempts: 100 },
    });
    starting.then((receiver) => t.teardown(() => receiver.close())).catch(() => undefined);
    await waitFor(() => lines.some((line) => line.msg === RETRYING), 'a failed attempt logged');
    const failure = lines.find((line) => line.msg === RETRYING);
    t.match(failure, { attempt: 1, attempts: 100, err: 'canceling statement due to lock timeout' }, 'the failure is logged with its cause');
    t.ok(String(failure?.database).startsWith(database.connectionString), 'and the database');
    const body = JSON.stringify(makePassEvent());
    await t.rejects(
      fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { authorization: API_KEY, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(5_000),
      }),
      { cause: { code: 'ECONNREFUSED' } },
      'not listening while migrating: no delivery is answered (no 503 either)',
    );
    await locker.query('ROLLBACK');
    const receiver = await starting;
    t.equal(await versionOf(locker), POSTGRES_MIGRATIONS.length, 'migrated to the latest step');
    t.match(await indexOf(locker, 'events_by_event_at_id'), { valid: true });
    const answer = await fetch(`${receiver.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { authorization: API_KEY, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    t.equal(answer.status, 200, 'then deliveries are stored');
    t.ok(lines.findIndex((line) => line.msg === 'database schema migrated') > lines.findIndex((line) => line.msg === RETRYING));
  });

  t.test('start-up gives up after its attempts with one error naming the cause', async (t) => {
    const url = await createSchema(database, 'given_up');
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, BEFORE_INDEX_STEP) });
    const locker = await connect(t, url);
    await locker.query('BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const { logger, lines } = capturedLogger();
    await t.rejects(
      startReceiver({
        apiKeys: [API_KEY],
        databasePath: 'unused.db',
        databaseUrl: url,
        port: 0,
        host: '127.0.0.1',
        logger,
        migration: { lockTimeoutMs: 100, backoffBaseMs: 50, backoffMaxMs: 100, attempts: 3 },
      }),
      { code: 'store_unavailable', message: /^cannot migrate the database at postgres:\/\/\S+ \(3 attempts\): canceling statement due to lock timeout$/ },
    );
    t.same(
      lines.filter((line) => line.msg === RETRYING).map((line) => line.attempt),
      [1, 2],
      'two failures logged before the third and last attempt',
    );
    await locker.query('ROLLBACK');
    t.equal(await versionOf(locker), BEFORE_INDEX_STEP, 'nothing applied');
  });

  t.test('an INVALID index left by a build cut short is dropped and built again', async (t) => {
    const url = await createSchema(database, 'invalid_index');
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, BEFORE_INDEX_STEP) });
    const client = await connect(t, url);
    for (const key of ['k1', 'k2']) await client.query(insertEvent, [key, 1_000]);
    // A unique build over two equal values fails, leaving an INVALID index under the step's name.
    await t.rejects(client.query('CREATE UNIQUE INDEX CONCURRENTLY events_by_event_at_id ON events (event_at_ms)'), /could not create unique index/);
    t.match(await indexOf(client, 'events_by_event_at_id'), { valid: false });
    t.same(await migratePostgres(url), FROM_INDEX_STEP);
    t.same(await indexOf(client, 'events_by_event_at_id'), {
      definition: 'CREATE INDEX events_by_event_at_id ON invalid_index.events USING btree (event_at_ms, id)',
      valid: true,
    });
    t.equal(await indexOf(client, 'events_by_event_at'), undefined, 'the index it replaces is dropped');
  });

  t.test('the index build does not lock writers out: it waits for an open writer while new writes go on', async (t) => {
    const url = await createSchema(database, 'concurrent');
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, BEFORE_INDEX_STEP) });
    const [open, other, watcher] = [await connect(t, url), await connect(t, url), await connect(t, url)];
    await open.query('BEGIN');
    await open.query(insertEvent, ['open', 1_000]);
    const migrating = migratePostgres(url);
    await waitFor(
      async () =>
        (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY%'`)).rowCount === 1,
      'the build waiting for the open writer',
    );
    // A blocking CREATE INDEX would hold this insert until the open writer ends: 5 s, then an error.
    await other.query('SET statement_timeout = 5000');
    await other.query(insertEvent, ['meanwhile', 2_000]);
    t.pass('a new writer stored its event while the index was being built');
    await open.query('COMMIT');
    t.same(await migrating, FROM_INDEX_STEP);
    t.match(await indexOf(watcher, 'events_by_event_at_id'), { valid: true });
    t.equal(Number((await watcher.query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE event_at_ms >= 1000`)).rows[0]?.n), 2);
  });

  t.test('steps 13 and 14 number every stored pass (seq) and index the pass list by it, whole and by campaign', async (t) => {
    const url = await createSchema(database, 'pass_seq');
    const before = POSTGRES_MIGRATIONS.findIndex((migration) => migration.description.includes('(seq, an identity)'));
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, before) });
    const client = await connect(t, url);
    for (const id of ['p-b', 'p-a', 'p-c']) await client.query(insertPass, [id]);
    t.same(await migratePostgres(url), [before + 1, before + 2]);
    const numbered = async (): Promise<string[]> =>
      (await client.query<{ pass_id: string }>('SELECT pass_id FROM passes ORDER BY seq')).rows.map((row) => row.pass_id);
    t.same((await numbered()).sort(), ['p-a', 'p-b', 'p-c'], 'every stored pass has a number');
    await client.query(insertPass, ['p-0']);
    t.equal((await numbered()).at(-1), 'p-0', 'a new pass is numbered after every stored one');
    t.match(await indexOf(client, 'passes_by_seq'), { valid: true });
    t.match(await indexOf(client, 'passes_by_campaign_seq'), { definition: /\(campaign_id, seq\)/, valid: true });
    t.equal(await indexOf(client, 'passes_by_campaign'), undefined, 'the index on (campaign_id, pass_id) is dropped');
  });
}
