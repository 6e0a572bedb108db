// The schema-9 upgrade (issue 20, item 4) on a big events table, against the
// PostgreSQL of PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres by default):
// loads N events at schema 8 (server-side, generate_series), then migrates to
// the latest schema while a writer inserts one event every 20 ms on another
// connection. Prints one JSON line: the rows, the migration's duration, the
// most this process's RSS grew during it (the work is server-side: it should
// not grow with N), and the slowest insert of the writer meanwhile (the index
// is built CONCURRENTLY: inserts are not held for the build).
//   npm run bench:migration -w @passworks-webhooks/receiver -- --events 1000000
// Takes minutes and about 1 GB of disk at 1M events: not for a shared machine.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { POSTGRES_MIGRATIONS } from '../src/storage/postgres/migrations.js';
import { migratePostgres } from '../src/storage/postgres/migrate-postgres.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const events = Number(values.events);
const CHUNK = 100_000;
const BEFORE_INDEX_STEP = POSTGRES_MIGRATIONS.findIndex((migration) => migration.concurrently !== undefined);

const database = await openTestDatabase();
if ('skip' in database) throw new Error(database.skip);
const client = new pg.Client({ connectionString: database.connectionString });
try {
  await client.connect();
  await migratePostgres(database.connectionString, { migrations: POSTGRES_MIGRATIONS.slice(0, BEFORE_INDEX_STEP) });
  for (let from = 0; from < events; from += CHUNK) {
    await client.query(
      `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
       SELECT 'k' || g, 'pass.installed', 'p' || (g % 10000), 'c' || (g % 10), 'd', 's', '2026-03-01T09:00:00Z', 1772355600000 + g * 1000, lpad(g::text, 12, '0'), false, 0, 0, '\\x7b7d'
       FROM generate_series($1::bigint, $2::bigint) AS g`,
      [from + 1, Math.min(events, from + CHUNK)],
    );
  }
  await client.query('VACUUM ANALYZE events');
  const rssBefore = process.memoryUsage().rss;
  let rssMax = rssBefore;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
  let writing = true;
  let slowestInsertMs = 0;
  let inserted = 0;
  const writer = (async () => {
    while (writing) {
      const started = performance.now();
      await client.query(
        `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
         VALUES ($1, 'pass.installed', 'p', 'c', 'd', 's', '2026-03-01T09:00:00Z', 0, 'k', false, 0, 0, '\\x7b7d')`,
        [`w${inserted++}`],
      );
      slowestInsertMs = Math.max(slowestInsertMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  const applied = await migratePostgres(database.connectionString);
  const migrationMs = performance.now() - started;
  writing = false;
  await writer;
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      events,
      applied,
      migration_ms: Math.round(migrationMs),
      rss_growth_mb: Math.round((rssMax - rssBefore) / 2 ** 20),
      writer_inserts: inserted,
      slowest_insert_ms: Math.round(slowestInsertMs),
    }),
  );
} finally {
  await client.end();
  await database.drop();
}
