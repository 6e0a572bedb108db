import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { admin, deliver, testApp, waitFor } from '../helpers.js';

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
  t.same(await app.retention.prune(), { passes: 1, events: 1, rejections: 1, gone: 0 });
  t.same(app.db.prepare('SELECT pass_id FROM passes').pluck().all(), [recent.pass_id]);
  t.same(app.db.prepare('SELECT pass_id FROM events').pluck().all(), [recent.pass_id]);
  t.same(app.db.prepare('SELECT body_prefix FROM rejections').pluck().all(), ['recent rejection']);
});

t.test('a copy of a pruned event is still a duplicate while the store keeps done keys (7 days after receipt), then stored anew', async (t) => {
  let time = Date.UTC(2026, 5, 1);
  const { app, http } = testApp(t, { retentionDays: 2, now: () => time });
  const [late, later] = [makePassEvent(), makePassEvent()];
  await deliver(http, late);
  await deliver(http, later);
  await app.store.groupCommit.drain();
  time += 3 * DAY_MS;
  t.same(await app.retention.prune(), { passes: 2, events: 2, rejections: 0, gone: 0 });
  t.equal(app.db.prepare('SELECT count(*) FROM passworks_idempotency_keys').pluck().get(), 2, 'the pruned rows left their marks');
  const copy = await deliver(http, late);
  t.equal(copy.status, 200);
  t.equal(copy.body.duplicate, true, '3 days after receipt: a duplicate');
  t.equal(app.db.prepare('SELECT count(*) FROM passes').pluck().get(), 0, 'no pass brought back from one old event');
  time += 5 * DAY_MS;
  const resent = await deliver(http, later);
  t.equal(resent.body.duplicate, false, '8 days after receipt: stored as new');
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
});

t.test('RETENTION_DAYS=0 keeps everything', async (t) => {
  let time = Date.UTC(2026, 5, 1);
  const { app, http } = testApp(t, { now: () => time });
  await deliver(http, makePassEvent());
  time += 3_650 * DAY_MS;
  t.same(await app.retention.prune(), { passes: 0, events: 0, rejections: 0, gone: 0 });
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
  t.same(await pruned, { passes: 1, events: 1, rejections: 0, gone: 0 });
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});

t.test('ids are never reused after retention deletes the newest rows: a cursor consumer misses nothing (issue 8, item 8)', async (t) => {
  const start = Date.UTC(2026, 5, 1);
  let time = start + 31 * DAY_MS;
  const { app, http } = testApp(t, { retentionDays: 30, now: () => time });
  const kept = makePassEvent();
  t.equal((await deliver(http, kept)).status, 200);
  // The pass stored last is silent for 31 days (its events arrived with an old clock), so retention deletes the newest rows.
  time = start;
  const stale = makePassEvent();
  t.equal((await deliver(http, stale)).status, 200);
  t.equal((await deliver(http, { ...stale, event: 'downloaded' })).status, 200);
  await deliver(http, 'a rejection');
  time = start + 31 * DAY_MS;
  // A consumer pages one event at a time and keeps the cursor after the second one.
  const first = await admin(http, '/api/events?limit=1');
  const second = await admin(http, `/api/events?limit=1&cursor=${first.body.next_cursor}`);
  const resumeAt = second.body.next_cursor as string;
  const seen = [...first.body.data, ...second.body.data].map((e: { id: number }) => e.id);
  const newestId = (await admin(http, `/api/events?limit=1&cursor=${resumeAt}`)).body.data[0].id as number;
  await app.store.groupCommit.drain();
  const rejectionId = app.db.prepare('SELECT max(id) FROM rejections').pluck().get() as number;
  t.same(await app.retention.prune(), { passes: 1, events: 2, rejections: 1, gone: 0 });
  const fresh = makePassEvent();
  t.equal((await deliver(http, fresh)).status, 200);
  await deliver(http, 'another rejection');
  await app.store.groupCommit.drain();
  const resumed = await admin(http, `/api/events?cursor=${resumeAt}`);
  t.same(
    resumed.body.data.map((e: { pass_id: string }) => e.pass_id),
    [fresh.pass_id],
    'the consumer resuming after the deleted rows gets the new event',
  );
  t.ok(resumed.body.data[0].id > newestId, 'the new event has an id never used before');
  t.notOk(seen.includes(resumed.body.data[0].id));
  t.equal((await admin(http, `/api/events/${newestId}`)).status, 404, 'a deleted id points at nothing, not at another event');
  t.ok((app.db.prepare('SELECT max(id) FROM rejections').pluck().get() as number) > rejectionId, 'a new rejection gets a fresh id too');
});

t.test(
  'retention keeps a pass whose event is still queued for forwarding, and past FORWARD_MAX_AGE_MS dead-letters it as gone, logged and counted',
  async (t) => {
    const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(503).end('down')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let time = Date.UTC(2026, 5, 1);
    const forward = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
      apiKey: 'downstream-key',
      maxAgeMs: 3 * DAY_MS,
      maxAttempts: 1_000,
      pollMs: 10,
    };
    const { app, http, logs } = testApp(t, { retentionDays: 1, now: () => time, forward });
    await deliver(http, makePassEvent()).expect(200);
    const outbox = () => app.db.prepare('SELECT state, attempts FROM outbox').get() as { state: string; attempts: number } | undefined;
    await waitFor(() => (outbox()?.attempts ?? 0) >= 1 && app.forwarder?.inFlight === 0, 'a first attempt answered 503');
    time += 2 * DAY_MS;
    t.same(await app.retention.prune(), { passes: 0, events: 0, rejections: 0, gone: 0 }, 'silent for 2 days, but queued within 3: kept');
    t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
    // The forwarder stops (or runs elsewhere): the event stays queued past its maximum age.
    await app.forwarder?.stop(5_000);
    time += 2 * DAY_MS;
    t.same(await app.retention.prune(), { passes: 1, events: 1, rejections: 0, gone: 1 });
    t.equal(outbox()?.state, 'failed', 'the outbox row is dead-lettered, not deleted');
    t.equal(app.db.prepare(`SELECT count(*) FROM delivery_attempts WHERE outcome = 'gone'`).pluck().get(), 1, 'with its gone attempt');
    t.ok(
      logs.some((line) => line.includes('"level":40') && line.includes('dead-lettered events still queued')),
      'logged at warn',
    );
    const metrics = (await request(app.listener).get('/metrics')).text;
    t.match(metrics, /passworks_forward_dead_letters_total 1\b/);
    t.match(metrics, /passworks_forward_attempts_total\{outcome="gone",status="none"\} 1/);
  },
);
