import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { deliver, testApp } from './helpers.js';

const DAY_MS = 86_400_000;

t.test('retention prunes passes silent for RETENTION_DAYS with their events, and old rejections', async (t) => {
  let time = Date.UTC(2026, 5, 1);
  const { app, http } = testApp(t, { retentionDays: 30, now: () => time });
  const old = makePassEvent();
  await deliver(http, old);
  await deliver(http, 'old rejection');
  time += 31 * DAY_MS;
  const recent = makePassEvent();
  await deliver(http, recent);
  await deliver(http, 'recent rejection');
  await app.store.groupCommit.drain();
  t.same(await app.retention.prune(), { passes: 1, events: 1, rejections: 1 });
  t.same(app.db.prepare('SELECT pass_id FROM passes').pluck().all(), [recent.pass_id]);
  t.same(app.db.prepare('SELECT pass_id FROM events').pluck().all(), [recent.pass_id]);
  t.same(app.db.prepare('SELECT body_prefix FROM rejections').pluck().all(), ['recent rejection']);
});

t.test('RETENTION_DAYS=0 keeps everything', async (t) => {
  let time = Date.UTC(2026, 5, 1);
  const { app, http } = testApp(t, { now: () => time });
  await deliver(http, makePassEvent());
  time += 3_650 * DAY_MS;
  t.same(await app.retention.prune(), { passes: 0, events: 0, rejections: 0 });
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
});

t.test('retention counts each deletion once when its batch is rerun because another write in it failed', async (t) => {
  let time = Date.UTC(2026, 5, 1);
  const { app, http } = testApp(t, { retentionDays: 30, now: () => time });
  await deliver(http, makePassEvent());
  time += 31 * DAY_MS;
  const pruned = app.retention.prune();
  // Queued in the same turn, so it shares the batch and makes group commit rerun every piece of it.
  const failing = app.store.groupCommit.run(() => {
    throw new Error('a failing write');
  });
  await t.rejects(failing, { message: 'a failing write' });
  t.same(await pruned, { passes: 1, events: 1, rejections: 0 });
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});
