import t from 'tap';
import pg from 'pg';
import { pino } from 'pino';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { createApp } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, API_KEY } from './helpers.js';
import { listen, openStream } from './live-server.js';

// Two receivers on PostgreSQL commit in parallel: an event can take a smaller id than another yet commit after it.
// The live feed must still send both, once each.
const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
  t.test('PostgreSQL: two transactions committing out of id order; the stream sends both events, once, and neither early', async (t) => {
    const url = `${database.connectionString}?options=${encodeURIComponent('-c search_path=stream')}`;
    const setup = new pg.Client({ connectionString: database.connectionString });
    await setup.connect();
    await setup.query('CREATE SCHEMA stream');
    await setup.end();
    const app = createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, databasePath: 'unused.db', databaseUrl: url, poolSize: 2, logger: pino({ level: 'silent' }), eventStream: { pollMs: 20 } });
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
    t.same(reader.messages.map((message) => message.id), [early, late], 'both, once each');

    // A reconnect after the first resumes with the second, and only it.
    const resumed = await openStream(t, base, { headers: { 'last-event-id': String(early) } });
    await resumed.waitFor(1);
    t.same(resumed.messages.map((message) => message.id), [late]);
  });
}
