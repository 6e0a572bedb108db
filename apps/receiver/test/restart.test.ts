import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { SCHEMA_VERSION, createApp } from '@passworks-webhooks/receiver';
import { API_KEY, deliver, testApp } from './helpers.js';

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

t.test('a duplicate whose done mark has expired is still stored once', async (t) => {
  const { app, http } = testApp(t);
  const event = makePassEvent();
  await deliver(http, event);
  app.db.exec('DELETE FROM passworks_idempotency_keys');
  const again = await deliver(http, event);
  t.equal(again.status, 200);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  t.match(await app.metrics.registry.getSingleMetricAsString('passworks_duplicates_total'), /passworks_duplicates_total 1/);
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
