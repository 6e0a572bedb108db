import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '@passworks-webhooks/sqlite';
import { MIGRATIONS, POSTGRES_MIGRATIONS, createPostgresStorage, migrate } from '@passworks-webhooks/receiver';
import { migratePostgres } from '../../src/storage/postgres/migrate-postgres.js';
import { testDatabase } from '../test-database.js';

// Rows stored before the summary tables existed: events over two hours and two campaigns (one with duplicates
// counted), and rejections. The step that adds the summaries fills them from these rows.
const HOUR = 3_600_000;
const nine = Date.UTC(2026, 2, 1, 9);
const events: Array<[string, string, number, number]> = [
  ['installed', 'c1', nine + 5 * 60_000, 0],
  ['installed', 'c1', nine + 50 * 60_000, 2],
  ['redeemed', 'c1', nine + 59 * 60_000, 0],
  ['installed', 'c2', nine + HOUR, 1],
];
const insertEvent = `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
  sort_key, voided, redeemed_count, received_at, raw, duplicates) VALUES ($1, $2, 'p', $3, 'd', 's', $4, $5, 'k', $6, 0, $7, $8, $9)`;
const expected = {
  events: [
    [nine, 'installed', 'c1', 2],
    [nine, 'redeemed', 'c1', 1],
    [nine + HOUR, 'installed', 'c2', 1],
  ],
  duplicates: [
    [nine, 'c1', 2],
    [nine + HOUR, 'c2', 1],
  ],
  rejections: [[nine, 'unauthorized', 2]],
  days: [
    [Date.UTC(2026, 2, 1), 'installed', 'c1', 2],
    [Date.UTC(2026, 2, 1), 'installed', 'c2', 1],
    [Date.UTC(2026, 2, 1), 'redeemed', 'c1', 1],
  ],
};
const dayCountsSql = 'SELECT day, event, campaign_id, sum(count) AS count FROM event_day_counts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3';
// Passes stored before the per-campaign pass counts existed; the step that adds them counts these.
const passCampaigns = ['c1', 'c2', 'c1'];
const insertPass = `INSERT INTO passes (pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count,
  last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at)
  VALUES ($1, $2, 'd', 's', 't', 't', $3, 0, 'created', 't', 'k', 1, 0, '[]', '{}', 1)`;
const passCountsSql = 'SELECT campaign_id, sum(count) AS passes FROM pass_counts GROUP BY campaign_id ORDER BY campaign_id';
const expectedPasses = [
  ['c1', 2],
  ['c2', 1],
];
const rowsOf = (rows: Array<Record<string, unknown>>): unknown[][] =>
  rows.map((row) => Object.values(row).map((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)));

t.test('SQLite: the summary step fills event, duplicate and rejection counts from the stored rows', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'backfill.db') });
  t.teardown(() => db.close());
  const before = MIGRATIONS.findIndex((migration) => /summary tables/.test(migration.description));
  migrate(db, MIGRATIONS.slice(0, before));
  const insert = db.prepare(insertEvent.replace(/\$\d/g, '?'));
  events.forEach(([event, campaign, at, duplicates], i) =>
    insert.run(`k${i}`, event, campaign, new Date(at).toISOString(), at, 0, at, Buffer.from('{}'), duplicates),
  );
  for (const at of [nine + 1, nine + 2])
    db.prepare(`INSERT INTO rejections (received_at, status, code, body_bytes, body_prefix) VALUES (?, 401, 'unauthorized', 0, '')`).run(at);
  migrate(db);
  t.same(rowsOf(db.prepare('SELECT hour, event, campaign_id, count FROM event_counts ORDER BY 1, 2, 3').all() as never), expected.events);
  t.same(rowsOf(db.prepare('SELECT hour, campaign_id, count FROM duplicate_counts ORDER BY 1, 2').all() as never), expected.duplicates);
  t.same(rowsOf(db.prepare('SELECT hour, code, count FROM rejection_counts ORDER BY 1, 2').all() as never), expected.rejections);
  t.same(rowsOf(db.prepare(dayCountsSql).all() as never), expected.days, 'and the daily counts from the hourly ones');
});

t.test('SQLite: the pass counts step counts the passes stored per campaign', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'pass-counts.db') });
  t.teardown(() => db.close());
  const before = MIGRATIONS.findIndex((migration) => /stored passes per campaign/.test(migration.description));
  t.ok(before > 0);
  migrate(db, MIGRATIONS.slice(0, before));
  const insert = db.prepare(insertPass.replace(/\$\d/g, '?'));
  passCampaigns.forEach((campaign, i) => insert.run(`p${i}`, campaign, 0));
  migrate(db);
  t.same(rowsOf(db.prepare(passCountsSql).all() as never), expectedPasses);
  insert.run('p9', 'c2', 0);
  db.prepare(`DELETE FROM passes WHERE pass_id = 'p0'`).run();
  t.same(
    rowsOf(db.prepare(passCountsSql).all() as never),
    [
      ['c1', 1],
      ['c2', 2],
    ],
    'then kept by the triggers',
  );
});

const database = await testDatabase();
if (database !== undefined) {
  t.test('PostgreSQL: the summary step fills event, duplicate and rejection counts from the stored rows', async (t) => {
    const connectionString = `${database.connectionString}?options=${encodeURIComponent('-c search_path=backfill')}`;
    const storage = createPostgresStorage({ connectionString, poolSize: 1 });
    t.teardown(() => storage.close());
    const { pool } = storage;
    await pool.query('CREATE SCHEMA backfill');
    const before = POSTGRES_MIGRATIONS.findIndex((migration) => /summary tables/.test(migration.description));
    await migratePostgres(connectionString, { migrations: POSTGRES_MIGRATIONS.slice(0, before) });
    for (const [i, [event, campaign, at, duplicates]] of events.entries())
      await pool.query(insertEvent, [`k${i}`, event, campaign, new Date(at).toISOString(), at, false, at, Buffer.from('{}'), duplicates]);
    for (const at of [nine + 1, nine + 2])
      await pool.query(`INSERT INTO rejections (received_at, status, code, body_bytes, body_prefix) VALUES ($1, 401, 'unauthorized', 0, '')`, [at]);
    await migratePostgres(connectionString);
    t.same(rowsOf((await pool.query('SELECT hour, event, campaign_id, count FROM event_counts ORDER BY 1, 2, 3')).rows), expected.events);
    t.same(rowsOf((await pool.query('SELECT hour, campaign_id, count FROM duplicate_counts ORDER BY 1, 2')).rows), expected.duplicates);
    t.same(rowsOf((await pool.query('SELECT hour, code, count FROM rejection_counts ORDER BY 1, 2')).rows), expected.rejections);
    t.same(rowsOf((await pool.query(dayCountsSql)).rows), expected.days, 'and the daily counts from the hourly ones');
  });
  t.test('PostgreSQL: the pass counts step counts the passes stored per campaign', async (t) => {
    const connectionString = `${database.connectionString}?options=${encodeURIComponent('-c search_path=pass_counts')}`;
    const storage = createPostgresStorage({ connectionString, poolSize: 1 });
    t.teardown(() => storage.close());
    const { pool } = storage;
    await pool.query('CREATE SCHEMA pass_counts');
    const before = POSTGRES_MIGRATIONS.findIndex((migration) => /stored passes per campaign/.test(migration.description));
    t.ok(before > 0);
    await migratePostgres(connectionString, { migrations: POSTGRES_MIGRATIONS.slice(0, before) });
    for (const [i, campaign] of passCampaigns.entries()) await pool.query(insertPass, [`p${i}`, campaign, false]);
    await migratePostgres(connectionString);
    t.same(rowsOf((await pool.query(passCountsSql)).rows), expectedPasses);
    await pool.query(insertPass, ['p9', 'c2', false]);
    await pool.query(`DELETE FROM passes WHERE pass_id = 'p0'`);
    t.same(
      rowsOf((await pool.query(passCountsSql)).rows),
      [
        ['c1', 1],
        ['c2', 2],
      ],
      'then kept by the triggers',
    );
  });
}
