import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { MIGRATIONS, SCHEMA_VERSION, createApp, migrate } from '@passworks-webhooks/receiver';
import { API_KEY, deliver, testApp } from '../helpers.js';

t.test('after a restart on the same file, the same event answers 200 duplicate and adds no row', async (t) => {
  const databasePath = join(t.testdir(), 'restart.db');
  const event = makePassEvent();
  const first = testApp(t, { databasePath });
  t.equal((await deliver(first.http, event)).status, 200);
  await first.app.close();
  const second = testApp(t, { databasePath });
  const again = await deliver(second.http, event);
  t.equal(again.status, 200);
  t.equal(again.body.duplicate, true);
  t.equal(second.app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
});

t.test('a done mark written by an older version (one per event, before the row was the mark) still answers duplicate', async (t) => {
  const { app, http } = testApp(t);
  const event = makePassEvent({ event_at: '2026-03-01T09:05:00Z' });
  const key = `${event.pass_id}:installed:2026-03-01T09:05:00.000Z`;
  app.db.prepare(`INSERT INTO passworks_idempotency_keys (key, state, token, expires_at) VALUES (?, 'done', NULL, ?)`).run(key, Date.now() + 60_000);
  const again = await deliver(http, event);
  t.equal(again.status, 200);
  t.equal(again.body.duplicate, true);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0, 'the handler did not run');
});

t.test('migrations are versioned: a new file gets the current schema, a newer one is refused', async (t) => {
  const { app, databasePath } = testApp(t);
  t.equal(app.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  await app.close();
  const db = new Database(databasePath);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  t.throws(() => createApp({ apiKeys: [API_KEY], databasePath }), {
    code: 'invalid_config',
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, written by a newer passworks-receiver`),
  });
});

t.test('migration 2 keeps every row and id of a version 1 database, and new ids continue after the largest', async (t) => {
  const databasePath = join(t.testdir(), 'v1.db');
  const v1 = new Database(databasePath);
  migrate(v1, MIGRATIONS.slice(0, 1));
  v1.exec(`INSERT INTO events (id, idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key,
      voided, redeemed_count, received_at, raw) VALUES (7, 'k7', 'created', 'p', 'c', 'd', 's', 'e', 0, 'sk', 0, 0, 0, x'7b7d')`);
  v1.exec(`INSERT INTO rejections (id, received_at, status, code, body_bytes, body_prefix) VALUES (41, 0, 400, 'invalid_json', 1, 'x')`);
  v1.close();
  const { app, http } = testApp(t, { databasePath });
  t.equal(app.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  t.same(app.db.prepare('SELECT id, idempotency_key FROM events').all(), [{ id: 7, idempotency_key: 'k7' }]);
  t.same(app.db.prepare('SELECT id, code FROM rejections').all(), [{ id: 41, code: 'invalid_json' }]);
  t.equal((await deliver(http, makePassEvent())).status, 200);
  await deliver(http, 'not json');
  await app.store.groupCommit.drain();
  t.same(app.db.prepare('SELECT id FROM events ORDER BY id').pluck().all(), [7, 8]);
  t.same(app.db.prepare('SELECT id FROM rejections ORDER BY id').pluck().all(), [41, 42]);
  t.same(app.db.prepare('PRAGMA integrity_check').pluck().all(), ['ok']);
});

t.test('createApp rejects bad options, naming them', async (t) => {
  const databasePath = join(t.testdir(), 'x.db');
  t.throws(() => createApp({ apiKeys: [], databasePath }), { code: 'invalid_config', message: /apiKeys/ });
  t.throws(() => createApp({ apiKeys: ['k'], databasePath, retentionDays: -1 }), { code: 'invalid_config', message: /retentionDays/ });
  t.throws(() => createApp({ apiKeys: ['k'], databasePath, bodyLimitBytes: 0 }), { code: 'invalid_config', message: /bodyLimitBytes/ });
  t.throws(() => createApp({ apiKeys: ['k'], databasePath, durability: 'eventual' as 'full' }), { code: 'invalid_config', message: /durability/ });
});

t.test('DURABILITY=full opens the database with synchronous=FULL', async (t) => {
  const { app } = testApp(t, { durability: 'full' });
  t.equal(app.db.pragma('synchronous', { simple: true }), 2);
  t.equal(app.db.pragma('journal_mode', { simple: true }), 'wal');
});
