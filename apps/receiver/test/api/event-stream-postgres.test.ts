import t, { type Test } from 'tap';
import pg from 'pg';
import { pino } from 'pino';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { createApp, type PostgresStorage, type ReceiverApp } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, API_KEY } from '../helpers.js';
import { listen, openStream, post } from '../live-server.js';
import { createSchema, testDatabase } from '../test-database.js';

// Two receivers on PostgreSQL commit in parallel: an event can take a smaller id than another yet commit after it.
// The live feed must still send both, once each.
const database = await testDatabase();
if (database !== undefined) {
  t.test('PostgreSQL: two transactions committing out of id order; the stream sends both events, once, and neither early', async (t) => {
    const url = await createSchema(database, 'stream');
    const app = createApp({
      apiKeys: [API_KEY],
      adminToken: ADMIN_TOKEN,
      databasePath: 'unused.db',
      databaseUrl: url,
      poolSize: 2,
      logger: pino({ level: 'silent' }),
      eventStream: { pollMs: 20 },
    });
    t.teardown(() => app.close());
    await app.storage.ping(); // migrated
    const base = await listen(t, app);
    const reader = await openStream(t, base);

    const writers = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })] as const;
    for (const writer of writers) await writer.connect();
    t.teardown(() => Promise.all(writers.map((writer) => writer.end())));
    // Each in its own campaign: the two transactions share no summary row (whose upsert would make the second wait for the first).
    const insert = async (writer: pg.Client, key: string): Promise<number> => {
      const { rows } = await writer.query<{ id: string }>(
        `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
         VALUES ($1, 'fetched', $1, $1, 'd', 's', '2026-03-01T09:00:00.000Z', 1772355600000, $1, false, 0, 1772355600000, '\\x7b7d') RETURNING id`,
        [key],
      );
      return Number(rows[0]?.id);
    };
    const [first, second] = writers;
    await first.query('BEGIN');
    await second.query('BEGIN');
    const early = await insert(first, 'first');
    const late = await insert(second, 'second');
    t.ok(early < late, 'the first transaction took the smaller id');
    await second.query('COMMIT');
    // The larger id is committed while the smaller one is not: it must wait, or the smaller one would be skipped.
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.same(reader.messages, [], 'nothing sent while an earlier transaction may still commit');
    await first.query('COMMIT');
    await reader.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.same(
      reader.messages.map((message) => message.id),
      [early, late],
      'both, once each',
    );

    // A reconnect after the first resumes with the second, and only it.
    const resumed = await openStream(t, base, { headers: { 'last-event-id': String(early) } });
    await resumed.waitFor(1);
    t.same(
      resumed.messages.map((message) => message.id),
      [late],
    );
  });

  /** A receiver on its own schema of the test database, with a reader of its stream. */
  const openReceiver = async (t: Test, schema: string, poolSize = 2): Promise<{ url: string; base: string; app: ReceiverApp }> => {
    const url = await createSchema(database, schema);
    const app = createApp({
      apiKeys: [API_KEY],
      adminToken: ADMIN_TOKEN,
      databasePath: 'unused.db',
      databaseUrl: url,
      poolSize,
      logger: pino({ level: 'silent' }),
      eventStream: { pollMs: 20 },
    });
    t.teardown(() => app.close());
    await app.storage.ping(); // migrated
    return { url, base: await listen(t, app), app };
  };
  /** A session as psql opens one: a plain connection, holding a transaction open until the test ends. */
  const openSession = async (t: Test, connectionString: string): Promise<pg.Client> => {
    const session = new pg.Client({ connectionString, application_name: 'psql' });
    await session.connect();
    t.teardown(async () => {
      await session.query('ROLLBACK').catch(() => undefined);
      await session.end();
    });
    return session;
  };

  t.test('PostgreSQL: a write transaction left open in another database of the server does not hold the stream back', async (t) => {
    const other = await openTestDatabase();
    if ('skip' in other) throw new Error(other.skip);
    t.teardown(() => other.drop());
    const { base } = await openReceiver(t, 'other_database');
    const reader = await openStream(t, base);
    const session = await openSession(t, other.connectionString);
    await session.query('CREATE TABLE notes (note text)');
    await session.query('BEGIN');
    await session.query(`INSERT INTO notes VALUES ('migrating')`); // the transaction has its id now, older than the events'
    for (let i = 0; i < 3; i++) t.equal(await post(base, makePassEvent()), 200);
    await reader.waitFor(3, 5_000);
    t.equal(reader.messages.length, 3, "the three events streamed while the other database's transaction is still open");
  });

  t.test("PostgreSQL: a session on the receiver's database whose open transaction writes none of its tables does not hold the stream back", async (t) => {
    const { base, url } = await openReceiver(t, 'idle_session');
    const reader = await openStream(t, base);
    const session = await openSession(t, url);
    await session.query('CREATE SCHEMA scratch; CREATE TABLE scratch.notes (note text)');
    await session.query('BEGIN');
    await session.query('SELECT count(*) FROM events'); // reading the receiver's tables is fine
    await session.query(`INSERT INTO scratch.notes VALUES ('looking around')`);
    for (let i = 0; i < 3; i++) t.equal(await post(base, makePassEvent()), 200);
    await reader.waitFor(3, 5_000);
    t.equal(reader.messages.length, 3, "the three events streamed while the session's transaction is still open");
  });

  t.test(
    "PostgreSQL: a record transaction with an older id that commits after a newer one is sent to a stream started from the list's stream_cursor",
    async (t) => {
      const { base, url, app } = await openReceiver(t, 'late_commit', 3);
      const held = makePassEvent({ event: 'created' });
      t.equal(await post(base, held), 200, 'the held pass exists');
      // A session locks the pass's row: the receiver's next transaction for that pass inserts its event (taking its
      // transaction id), then waits at the pass's update until the session lets go.
      const locker = await openSession(t, url);
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM passes WHERE pass_id = $1 FOR UPDATE', [held.pass_id]);
      const late = post(base, makePassEvent({ event: 'downloaded', pass_id: held.pass_id, campaign_id: held.campaign_id }));
      const pool = (app.storage as PostgresStorage).pool;
      for (let waited = 0; ; waited += 20) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND database IS NULL AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
        );
        if (rows[0]?.n === 1) break;
        if (waited > 10_000) throw new Error('the held record transaction never waited');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      t.equal(await post(base, makePassEvent()), 200, 'a newer transaction commits first');
      const list = (await (await fetch(`${base}/api/events/newest`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        data: Array<{ id: number; pass_id: string }>;
        stream_cursor: string;
      };
      t.equal(list.data.length, 2, 'the list shows the first event and the newer one, not the held one');
      const stream = await openStream(t, base, { query: `?cursor=${list.stream_cursor}` });
      await locker.query('COMMIT');
      t.equal(await late, 200, 'the held transaction committed');
      await stream.waitFor(2);
      const stored = (await (await fetch(`${base}/api/events?pass_id=${held.pass_id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        data: Array<{ id: number }>;
      };
      const heldId = stored.data[1]?.id as number;
      const newerId = list.data[0]?.id as number;
      t.ok(heldId < newerId, 'the held event took the smaller id');
      t.same(
        stream.messages.map((message) => message.id),
        [heldId, newerId],
        'the held event is sent, then the newer one again (the list showed it: the client skips its id)',
      );
    },
  );
}
