import { join } from 'node:path';
import t, { type Test } from 'tap';
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
      sql: (row as { sql: string | null }).sql?.replace(/"passes"/g, 'passes').replace(/passes_v[23]/g, 'passes'),
    }));

/** Stores 300 passes of 3 campaigns, in an order that is not their pass_id order; returns the insert, for more. */
function storedPasses(db: ReturnType<typeof openDatabase>): ReturnType<ReturnType<typeof openDatabase>['prepare']> {
  const columns = Object.keys(PASS('x', 'c', 0));
  const insert = db.prepare(`INSERT INTO passes (${columns.join(', ')}) VALUES (${columns.map((k) => `@${k}`).join(', ')})`);
  for (let i = 0; i < 300; i += 1) insert.run(PASS(`pass-${(i * 7919) % 1000}`, `campaign-${i % 3}`, i));
  return insert;
}

/** Deletes one pass and moves another to a new campaign: the triggers keep pass_counts equal to a count of the passes. */
function countsFollowChanges(t: Test, db: ReturnType<typeof openDatabase>): void {
  db.prepare('DELETE FROM passes WHERE pass_id = ?').run('pass-0');
  db.prepare("UPDATE passes SET campaign_id = 'campaign-9' WHERE pass_id = ?").run('pass-7');
  t.same(
    db.prepare('SELECT campaign_id, count FROM pass_counts ORDER BY campaign_id').all(),
    db.prepare('SELECT campaign_id, count(*) AS count FROM passes GROUP BY campaign_id ORDER BY campaign_id').all(),
    'the triggers keep counting inserts, deletes and moves',
  );
}

t.test(
  'step 13 moves the passes to a rowid table: every row, the counts, the indexes, the triggers and NOT NULL kept, as a fresh database has them',
  async (t) => {
    const db = openDatabase({ path: join(t.testdir(), 'v12.db') });
    t.teardown(() => db.close());
    migrate(db, MIGRATIONS.slice(0, 12));
    const insert = storedPasses(db);
    const before = passesOf(db);
    const counts = db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all();
    migrate(db, MIGRATIONS.slice(0, 13));
    t.equal(db.pragma('user_version', { simple: true }), 13);
    t.same(passesOf(db), before, 'every row, every column');
    t.same(db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all(), counts, 'the per-campaign counts');
    t.throws(() => insert.run({ ...PASS('y', 'c', 0), pass_id: null }), /NOT NULL/, 'a pass without an id is refused');
    t.throws(() => insert.run(PASS('pass-0', 'c', 0)), /UNIQUE|PRIMARY/, 'one row per pass');
    countsFollowChanges(t, db);
    const fresh = openDatabase({ path: join(t.testdir(), 'fresh.db') });
    t.teardown(() => fresh.close());
    migrate(fresh, MIGRATIONS.slice(0, 13));
    t.same(schemaOf(db), schemaOf(fresh), 'the same table, indexes and triggers as a database made at step 13');
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  },
);

t.test(
  'step 14 numbers the passes in their stored order (seq): every row, the counts, the indexes and the triggers kept, as a fresh database has them',
  async (t) => {
    const db = openDatabase({ path: join(t.testdir(), 'v13.db') });
    t.teardown(() => db.close());
    migrate(db, MIGRATIONS.slice(0, 13));
    const insert = storedPasses(db);
    db.prepare('DELETE FROM passes WHERE pass_id = ?').run('pass-919');
    const stored = db.prepare('SELECT rowid AS seq, * FROM passes ORDER BY rowid').all();
    const counts = db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all();
    migrate(db);
    t.equal(db.pragma('user_version', { simple: true }), 14);
    t.same(db.prepare('SELECT * FROM passes ORDER BY seq').all(), stored, 'every row and column, numbered in the order it had');
    t.same(db.prepare('SELECT * FROM pass_counts ORDER BY campaign_id').all(), counts, 'the per-campaign counts');
    t.throws(() => insert.run(PASS('pass-0', 'c', 0)), /UNIQUE/, 'one row per pass');
    insert.run(PASS('pass-new', 'campaign-1', 301));
    t.same(
      db.prepare("SELECT pass_id FROM passes WHERE campaign_id = 'campaign-1' ORDER BY seq DESC LIMIT 1").all(),
      [{ pass_id: 'pass-new' }],
      'a new pass comes after every stored one',
    );
    const newest = db.prepare('SELECT max(seq) FROM passes').pluck().get() as number;
    db.prepare("DELETE FROM passes WHERE pass_id = 'pass-new'").run();
    insert.run(PASS('pass-newer', 'campaign-1', 302));
    t.ok((db.prepare("SELECT seq FROM passes WHERE pass_id = 'pass-newer'").pluck().get() as number) > newest, 'a deleted number is not given again');
    countsFollowChanges(t, db);
    const fresh = openDatabase({ path: join(t.testdir(), 'fresh.db') });
    t.teardown(() => fresh.close());
    migrate(fresh);
    t.same(schemaOf(db), schemaOf(fresh), 'the same table, indexes and triggers as a fresh database');
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  },
);
