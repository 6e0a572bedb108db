import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '@passworks-webhooks/sqlite';
import { MIGRATIONS, migrate } from '@passworks-webhooks/receiver';

const PASS = (id: string, campaign: string, receivedAt: number) => ({
  pass_id: id,
  campaign_id: campaign,
  distribution_id: 'd',
  serial_number: 's',
  created_at: '2026-03-01T09:00:00.000Z',
  updated_at: '2026-03-01T09:00:00.000Z',
  voided: 0,
  redeemed_count: 0,
  redeemed_at: null,
  last_fetched_at: null,
  last_event: 'created',
  last_event_at: '2026-03-01T09:00:00.000Z',
  last_sort_key: 'k',
  event_count: 1,
  installed_devices: 0,
  registrations: '[]',
  metadata: `{"n":"${id}"}`,
  last_received_at: receivedAt,
});
const passesOf = (db: ReturnType<typeof openDatabase>) => db.prepare('SELECT * FROM passes ORDER BY pass_id').all();
const schemaOf = (db: ReturnType<typeof openDatabase>) =>
  db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name = 'passes' ORDER BY type, name")
    .all()
    .map((row) => ({
      ...(row as { sql: string | null }),
      sql: (row as { sql: string | null }).sql?.replace(/"passes"/g, 'passes').replace(/passes_v2/g, 'passes'),
    }));

t.test(
  'step 13 moves the passes to a rowid table: every row, the counts, the indexes, the triggers and NOT NULL kept, as a fresh database has them',
  async (t) => {
    const db = openDatabase({ path: join(t.testdir(), 'v12.db') });
    t.teardown(() => db.close());
    migrate(db, MIGRATIONS.slice(0, 12));
    const insert = db.prepare(
      `INSERT INTO passes (${Object.keys(PASS('x', 'c', 0)).join(', ')}) VALUES (${Object.keys(PASS('x', 'c', 0))
        .map((k) => `@${k}`)
        .join(', ')})`,
    );
    for (let i = 0; i < 300; i += 1) insert.run(PASS(`pass-${(i * 7919) % 1000}`, `campaign-${i % 3}`, i));
    const before = passesOf(db);
    const counts = db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all();
    migrate(db);
    t.equal(db.pragma('user_version', { simple: true }), 13);
    t.same(passesOf(db), before, 'every row, every column');
    t.same(db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all(), counts, 'the per-campaign counts');
    t.throws(() => insert.run({ ...PASS('y', 'c', 0), pass_id: null }), /NOT NULL/, 'a pass without an id is refused');
    t.throws(() => insert.run(PASS('pass-0', 'c', 0)), /UNIQUE|PRIMARY/, 'one row per pass');
    db.prepare('DELETE FROM passes WHERE pass_id = ?').run('pass-0');
    db.prepare("UPDATE passes SET campaign_id = 'campaign-9' WHERE pass_id = ?").run('pass-7');
    t.same(
      db.prepare('SELECT campaign_id, count FROM pass_counts ORDER BY campaign_id').all(),
      db.prepare('SELECT campaign_id, count(*) AS count FROM passes GROUP BY campaign_id ORDER BY campaign_id').all(),
      'the triggers keep counting deletes and moves',
    );
    const fresh = openDatabase({ path: join(t.testdir(), 'fresh.db') });
    t.teardown(() => fresh.close());
    migrate(fresh);
    t.same(schemaOf(db), schemaOf(fresh), 'the same table, indexes and triggers as a database made at step 13');
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  },
);
