import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import t, { type Test } from 'tap';
import request from 'supertest';
import type { HandlerContext, PassEvent } from '@passworks-webhooks/core';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { createApp, type ForwardOptions, type ReceiverApp } from '@passworks-webhooks/receiver';
import { sendAttempt } from '../../src/forward/send-attempt.js';
import { ADMIN_TOKEN, API_KEY, admin, couponSteps, deliver, lifecycle, loyaltySteps, testApp } from '../helpers.js';

/** The key the user's app expects: what the receiver forwards with (never the platform's key). */
const DOWNSTREAM_KEY = 'pk_live_downstream-app-key-4410-secret';

interface Received {
  readonly event: PassEvent;
  readonly raw: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * The user's app: Express with `passworksWebhooks()` exactly as its README
 * shows, on 127.0.0.1. `answer` may take a request before the middleware
 * (a status to fail with); `handled` lists the handler's calls.
 */
async function downstream(t: Test, answer: (req: express.Request, res: express.Response) => boolean = () => false) {
  const handled: Received[] = [];
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const app = express();
  app.use((req, res, next) => {
    seen.push(req.headers);
    if (!answer(req, res)) next();
  });
  app.use(
    passworksWebhooks({ apiKey: DOWNSTREAM_KEY }).onAny((event: PassEvent, context: HandlerContext) => {
      handled.push({ event, raw: Buffer.from(context.rawBody as Uint8Array).toString('utf8'), headers: seen.at(-1) ?? {} });
    }),
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeIdleConnections();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passworks`, handled, seen };
}

/** Short backoffs so retries happen within the test. */
const fast = (url: string, options: Partial<ForwardOptions> = {}): ForwardOptions => ({
  url,
  apiKey: DOWNSTREAM_KEY,
  concurrency: 4,
  timeoutMs: 2_000,
  backoffBaseMs: 10,
  backoffMaxMs: 40,
  retryAfterMaxMs: 40,
  pollMs: 10,
  ...options,
});

/** Waits (bounded) until `done` holds. */
async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const stats = async (http: ReturnType<typeof request>) => (await admin(http, '/api/stats')).body.data as { forwarding?: Record<string, unknown> };
const idsOf = async (app: ReceiverApp): Promise<Map<string, number>> =>
  new Map(
    (app.db.prepare('SELECT id, idempotency_key FROM events').all() as Array<{ id: number; idempotency_key: string }>).map((row) => [
      row.idempotency_key,
      row.id,
    ]),
  );
const pending = (app: ReceiverApp): number => (app.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number }).n;

t.test('forwards the exact raw bytes with the platform headers; the app runs its handler once per event, each pass in event_at order', async (t) => {
  let open = false;
  const sink = await downstream(t, (_req, res) => {
    if (open) return false;
    res.status(503).set('retry-after', '0').end();
    return true;
  });
  const { app, http } = testApp(t, { forward: fast(sink.url, { maxAttempts: 1_000 }) });
  const passes = [lifecycle(couponSteps()), lifecycle(loyaltySteps()), lifecycle(couponSteps())];
  // One pass arrives reversed, one shuffled: the forwarder still sends each pass in event_at order.
  const arrivals = [...[...passes[0]!].reverse(), ...passes[1]!.filter((_, i) => i % 2 === 1), ...passes[1]!.filter((_, i) => i % 2 === 0), ...passes[2]!];
  const raws = new Map<string, string>();
  for (const event of arrivals) {
    const raw = ` ${JSON.stringify(event)}\n`; // whitespace a parser drops: the forwarded bytes must keep it
    raws.set(`${event.pass_id}|${event.event_at}`, raw);
    t.equal((await deliver(http, raw)).status, 200);
  }
  await until(() => app.forwarder?.inFlight === 0, 'no attempt in flight');
  open = true;
  await until(() => pending(app) === 0, 'every event delivered');

  t.equal(sink.handled.length, arrivals.length, "the app's handler ran once per event");
  for (const events of passes) {
    const got = sink.handled.filter((call) => call.event.pass_id === events[0]!.pass_id).map((call) => call.event.event_at);
    t.same(
      got,
      events.map((event) => event.event_at),
      'one pass in event_at order',
    );
  }
  const ids = await idsOf(app);
  for (const call of sink.handled) {
    t.equal(call.raw, raws.get(`${call.event.pass_id}|${call.event.event_at}`), 'the exact bytes received');
    t.equal(call.headers['content-type'], 'application/json; charset=utf-8');
    t.equal(call.headers.authorization, DOWNSTREAM_KEY);
  }
  const eventIds = new Set(sink.handled.map((call) => Number(call.headers['x-passworks-event-id'])));
  t.same(
    [...eventIds].sort((a, b) => a - b),
    [...ids.values()].sort((a, b) => a - b),
    'X-Passworks-Event-Id is the stored event id, one per event',
  );
  t.match((await stats(http)).forwarding, { pending: 0, delivered: arrivals.length, failed: 0 });
  const [someId] = ids.values();
  const one = (await admin(http, `/api/events/${someId}`).expect(200)).body.data;
  t.match(one.forwarding, { state: 'delivered', attempts: Number, finished_at: Number, replay_id: null }, 'the event view shows its forwarding');
  t.same(one.forwarding, (await admin(http, `/api/events/${someId}/deliveries`)).body.forwarding, 'the same state as its deliveries');
  const list = (await admin(http, '/api/events?limit=1000')).body.data as Array<{ forwarding: { state: string } }>;
  t.same(new Set(list.map((item) => item.forwarding.state)), new Set(['delivered']), 'and so does each list item');
});

t.test('retries a 503 honouring Retry-After up to the cap, records every attempt, then delivers', async (t) => {
  let failures = 2;
  const sink = await downstream(t, (_req, res) => {
    if (failures === 0) return false;
    failures -= 1;
    res.status(503).set('retry-after', '1').type('text/plain').send('down for maintenance');
    return true;
  });
  const { app, http } = testApp(t, { forward: fast(sink.url, { backoffBaseMs: 1, backoffMaxMs: 1, retryAfterMaxMs: 200 }) });
  const [event] = lifecycle([{ event: 'created' }]);
  await deliver(http, event!).expect(200);
  await until(() => pending(app) === 0, 'the event delivered');
  const [id] = (await idsOf(app)).values();
  const res = await admin(http, `/api/events/${id}/deliveries`).expect(200);
  const attempts = res.body.data as Array<{ attempt: number; status: number; outcome: string; response_excerpt: string; started_at: number }>;
  t.same(
    attempts.map((a) => [a.attempt, a.status, a.outcome]),
    [
      [1, 503, 'http_error'],
      [2, 503, 'http_error'],
      [3, 200, 'succeeded'],
    ],
  );
  t.equal(attempts[0]!.response_excerpt, 'down for maintenance');
  t.ok(attempts[1]!.started_at - attempts[0]!.started_at >= 200, 'waited Retry-After, cut to the 200 ms cap, not the 1 ms backoff');
  t.match(res.body.forwarding, { state: 'delivered', attempts: 3 });
  t.equal(sink.handled.length, 1);
  const metrics = (await request(app.listener).get('/metrics')).text;
  t.match(metrics, /passworks_forward_attempts_total\{outcome="http_error",status="503"\} 2/);
  t.match(metrics, /passworks_forward_attempts_total\{outcome="succeeded",status="200"\} 1/);
  t.match(metrics, /passworks_forward_queue_depth 0/);
});

t.test('dead-letters after the attempt cap; a replay of failed events sends it again and the app runs it once', async (t) => {
  let broken = true;
  const sink = await downstream(t, (_req, res) => {
    if (!broken) return false;
    res.status(500).end();
    return true;
  });
  const { app, http } = testApp(t, { forward: fast(sink.url, { maxAttempts: 3 }) });
  const events = lifecycle(couponSteps()).slice(0, 2);
  for (const event of events) await deliver(http, event).expect(200);
  await until(() => pending(app) === 0, 'both events dead-lettered');
  t.match((await stats(http)).forwarding, { pending: 0, delivered: 0, failed: 2 });
  t.match((await request(app.listener).get('/metrics')).text, /passworks_forward_dead_letters_total 2/);
  t.equal(sink.handled.length, 0);

  broken = false;
  const created = await request(app.listener).post('/api/replays').set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ status: 'failed' });
  t.equal(created.status, 202);
  const replayId = created.body.data.id as number;
  t.match(created.body.data, { matched: 2, state: 'running', filter: { status: 'failed' } });
  await until(async () => (await admin(http, `/api/replays/${replayId}`)).body.data.succeeded === 2, 'the replay done');
  t.match((await admin(http, `/api/replays/${replayId}`)).body.data, { matched: 2, sent: 2, succeeded: 2, failed: 0 });
  t.same(
    sink.handled.map((call) => call.event.event_at),
    events.map((event) => event.event_at),
    'each once, in event_at order',
  );

  // Everything again: the same X-Passworks-Event-Id, and the app's middleware answers duplicates without its handler.
  const again = await request(app.listener)
    .post('/api/replays')
    .set('authorization', `Bearer ${ADMIN_TOKEN}`)
    .send({ status: 'all', pass_id: events[0]!.pass_id });
  t.equal(again.status, 202);
  await until(async () => (await admin(http, `/api/replays/${again.body.data.id}`)).body.data.succeeded === 2, 'the second replay done');
  t.equal(sink.handled.length, 2, 'the handler did not run again');
  const ids = sink.seen.slice(-2).map((headers) => headers['x-passworks-event-id']);
  t.same(
    ids,
    sink.handled.map((call) => call.headers['x-passworks-event-id']),
    'the same event ids as the first delivery',
  );
});

t.test('a replay can be cancelled; bad filters are 400 invalid_request; without FORWARD_URL replays are 404', async (t) => {
  const sink = await downstream(t);
  const { app, http } = testApp(t, { forward: fast(sink.url, { replayRatePerSecond: 1 }) });
  const events = lifecycle(loyaltySteps()).slice(0, 4);
  for (const event of events) await deliver(http, event).expect(200);
  await until(() => pending(app) === 0, 'first deliveries');
  const post = (body: unknown) =>
    request(app.listener)
      .post('/api/replays')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .set('content-type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const created = await post({ status: 'all', since: '2026-03-01T00:00:00Z', until: '2026-03-02T00:00:00Z' });
  t.equal(created.status, 202);
  t.equal(created.body.data.matched, 4);
  const cancelled = await request(app.listener).delete(`/api/replays/${created.body.data.id}`).set('authorization', `Bearer ${ADMIN_TOKEN}`);
  t.equal(cancelled.status, 200);
  t.equal(cancelled.body.data.state, 'cancelled');
  const sentAtCancel = cancelled.body.data.sent as number;
  t.ok(sentAtCancel < 4, 'paced at 1 event/s: not all sent yet');
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  t.equal((await admin(http, `/api/replays/${created.body.data.id}`)).body.data.sent, sentAtCancel, 'nothing more queued after cancel');
  t.equal((await request(app.listener).post(`/api/replays/${created.body.data.id}/cancel`).set('authorization', `Bearer ${ADMIN_TOKEN}`)).status, 200);

  for (const [body, field] of [
    [{ status: 'bogus' }, 'status'],
    [{ since: 'yesterday' }, 'since'],
    [{ pass_id: 'not-a-uuid' }, 'pass_id'],
    [{ colour: 'red' }, 'body'],
    [{ event_id: -1 }, 'event_id'],
    ['{not json', 'body'],
    [[1, 2], 'body'],
  ] as const) {
    const res = await post(body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(res.body.error.code, 'invalid_request');
    t.match(res.body.error.message, new RegExp(`^${field}:`));
  }
  t.equal((await admin(http, '/api/replays/999')).status, 404);
  t.equal((await admin(http, '/api/replays/abc')).status, 400);

  const plain = testApp(t);
  const off = await request(plain.app.listener).post('/api/replays').set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ status: 'all' });
  t.equal(off.status, 404);
  t.match(off.body.error.message, /FORWARD_URL/);
});

t.test('a restarted receiver resumes its outbox: nothing stored is left unforwarded', async (t) => {
  let open = false;
  const sink = await downstream(t, (_req, res) => {
    if (open) return false;
    res.status(502).end();
    return true;
  });
  const first = testApp(t, { forward: fast(sink.url, { backoffBaseMs: 60_000, backoffMaxMs: 60_000 }) });
  const events = lifecycle(couponSteps());
  for (const event of events) await deliver(first.http, event).expect(200);
  await first.app.close();
  t.equal(pending(testApp(t, { databasePath: first.databasePath }).app), events.length, 'all still queued after the stop');
  open = true;
  // A new receiver on the same file, its clock past the retry time the first one set: it picks up every queued event.
  const second = testApp(t, { databasePath: first.databasePath, forward: fast(sink.url), now: () => Date.now() + 120_000 });
  await until(() => pending(second.app) === 0, 'the outbox drained after restart');
  t.same(
    sink.handled.map((call) => call.event.event_at),
    events.map((event) => event.event_at),
  );
});

t.test('the forward key never reaches a log line, a stored row or an API answer', async (t) => {
  const sink = await downstream(t, (req, res) => {
    // A hostile or careless app echoing the key it got.
    res
      .status(401)
      .type('text/plain')
      .send(`bad key ${String(req.headers.authorization)}`);
    return true;
  });
  const { app, http, logs } = testApp(t, { forward: fast(sink.url, { maxAttempts: 2 }) });
  const [event] = lifecycle([{ event: 'created' }]);
  await deliver(http, event!).expect(200);
  await until(() => pending(app) === 0, 'dead-lettered');
  const [id] = (await idsOf(app)).values();
  const answer = await admin(http, `/api/events/${id}/deliveries`);
  t.equal(answer.body.data[0].response_excerpt, 'bad key [redacted]');
  const tables = ['events', 'outbox', 'delivery_attempts', 'replays', 'rejections'];
  const dump = tables
    .map((table) => JSON.stringify(app.db.prepare(`SELECT * FROM ${table}`).all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)))
    .join('\n');
  t.notOk(dump.includes(DOWNSTREAM_KEY), 'no row holds the key');
  t.notOk(logs.join('\n').includes(DOWNSTREAM_KEY), 'no log line holds the key');
  t.notOk(JSON.stringify(answer.body).includes(DOWNSTREAM_KEY));
  t.notOk(JSON.stringify((await admin(http, '/api/stats')).body).includes(DOWNSTREAM_KEY));
  t.ok(
    logs.some((line) => line.includes('dead-lettered')),
    'the dead letter is logged',
  );
  t.not(API_KEY, DOWNSTREAM_KEY);
});

t.test('a key echoed across the 512-byte cut leaves no piece of it in the attempt row or the deliveries answer', async (t) => {
  // 490 bytes, then the key: cutting first kept the key's first 22 characters.
  const sink = await downstream(t, (req, res) => {
    res
      .status(401)
      .type('text/plain')
      .send(`${'x'.repeat(490)}${String(req.headers.authorization)} and more after it`);
    return true;
  });
  const { app, http } = testApp(t, { forward: fast(sink.url, { maxAttempts: 1 }) });
  const [event] = lifecycle([{ event: 'created' }]);
  await deliver(http, event!).expect(200);
  await until(() => pending(app) === 0, 'dead-lettered');
  const [id] = (await idsOf(app)).values();
  const answer = (await admin(http, `/api/events/${id}/deliveries`).expect(200)).body.data as Array<{ response_excerpt: string }>;
  const stored = app.db.prepare('SELECT response_excerpt FROM delivery_attempts').pluck().all() as string[];
  t.same(stored, [`${'x'.repeat(490)}[redacted] and more after it`.slice(0, 512)], 'the key replaced, then the excerpt cut to 512 bytes');
  t.same(
    answer.map((attempt) => attempt.response_excerpt),
    stored,
  );
  const pieces = Array.from({ length: DOWNSTREAM_KEY.length - 7 }, (_, start) => DOWNSTREAM_KEY.slice(start, start + 8));
  t.same(
    pieces.filter((piece) => stored.join('').includes(piece) || JSON.stringify(answer).includes(piece)),
    [],
    'no 8-character piece of the key',
  );
});

t.test('the forward URL is logged through the one redaction: secret-looking parameters masked, the rest kept', async (t) => {
  const sink = await downstream(t);
  const url = `${sink.url}?token=tok-secret-1&region=eu`;
  const { app, logs } = testApp(t, { forward: fast(url) });
  await app.open();
  const line = logs.find((entry) => entry.includes('forwarding stored events'));
  t.ok(line, 'the start is logged');
  t.match(line, /token=\*\*\*/, 'a secret-looking parameter masked');
  t.match(line, /region=eu/, 'other parameters kept');
  t.notOk(logs.join('\n').includes('tok-secret-1'), 'no log line holds a secret');
});

t.test('a forward URL with a user or password is refused before the database opens, without echoing the password', async (t) => {
  // fetch refuses such a URL: every attempt would fail, and its error (naming the URL) was stored and served (found by an adversarial run).
  const databasePath = join(t.testdir(), 'receiver.db');
  for (const url of ['http://relay:hunter2-secret@127.0.0.1:9/hook?token=tok-secret-1', 'http://relay@127.0.0.1:9/hook']) {
    t.throws(() => createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, databasePath, forward: fast(url) }), {
      code: 'invalid_config',
      message: /^forward\.url: expected a URL without a user or password/,
    });
    try {
      createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, databasePath, forward: fast(url) });
    } catch (error) {
      t.notOk(String(error).includes('hunter2-secret') || String(error).includes('tok-secret-1'), 'the error holds no secret');
    }
  }
  t.notOk(existsSync(databasePath), 'no database was opened');
});

t.test('a network error naming the forward URL is stored with the URL redacted', async (t) => {
  const url = 'http://relay:hunter2-secret@127.0.0.1:9/hook?token=tok-secret-1';
  // sendAttempt on its own (createApp refuses this URL): fetch's error names the URL it was given.
  const { record } = await sendAttempt({ url, apiKey: DOWNSTREAM_KEY, eventId: 1, raw: Buffer.from('{}'), timeoutMs: 2_000, now: Date.now });
  t.equal(record.outcome, 'network_error');
  t.match(record.excerpt, /relay:\*\*\*@127\.0\.0\.1:9\/hook\?token=\*\*\*/, 'the URL is named, redacted');
  t.notOk(record.excerpt.includes('hunter2-secret') || record.excerpt.includes('tok-secret-1'), 'no secret in the stored excerpt');
});
