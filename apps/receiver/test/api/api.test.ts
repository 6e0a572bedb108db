import { request, type ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { ADMIN_TOKEN, API_KEY, admin, couponSteps, deliver, lifecycle, loyaltySteps, listeningReceiver, testApp } from '../helpers.js';

/** Polls `condition` every 5 ms until it holds or `timeoutMs` passes. */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

const CAMPAIGN_A = '3f1c2a4e-9b1d-4c1e-8f2a-0a1b2c3d4e5f';
const CAMPAIGN_B = '7d9e8f10-1a2b-4c3d-9e4f-5a6b7c8d9e0f';

/** An app holding: pass L (loyalty card, campaign A, 10 events, one device live), pass X (campaign B, one 'created'). */
async function seeded(t: Test) {
  const ctx = testApp(t);
  const loyalty = lifecycle(loyaltySteps('reg-1', 'reg-2')).map((e) => ({ ...e, campaign_id: CAMPAIGN_A }));
  const other = makePassEvent({ event: 'created', campaign_id: CAMPAIGN_B, event_at: '2026-03-02T10:00:00Z' });
  for (const event of [...loyalty, other]) t.equal((await deliver(ctx.http, event)).status, 200);
  return { ...ctx, loyalty, other };
}

t.test('the read API needs the admin token', async (t) => {
  const { http } = testApp(t);
  const missing = await http.get('/api/events');
  t.equal(missing.status, 401);
  t.equal(missing.body.error.code, 'unauthorized');
  t.equal((await http.get('/api/events').set('authorization', `Bearer ${ADMIN_TOKEN}x`)).status, 401, 'a longer token');
  t.equal((await http.get('/api/events').set('authorization', ADMIN_TOKEN)).status, 401, 'no Bearer scheme');
  t.equal((await admin(http, '/api/events')).status, 200);
});

t.test('without ADMIN_TOKEN the read API answers 401 saying how to enable it', async (t) => {
  const { http } = testApp(t, { adminToken: undefined });
  const res = await http.get('/api/events').set('authorization', 'Bearer anything-at-all-123');
  t.equal(res.status, 401);
  t.match(res.body.error.message, /set ADMIN_TOKEN/);
});

t.test('GET /api/events lists in arrival order with filters and cursor pagination', async (t) => {
  const { http, loyalty, other } = await seeded(t);
  const page1 = await admin(http, '/api/events?limit=4');
  t.equal(page1.status, 200);
  t.same(
    page1.body.data.map((e: { event: string }) => e.event),
    ['created', 'downloaded', 'installed', 'installed'],
  );
  t.type(page1.body.next_cursor, 'string');
  t.same(page1.body.data[0].payload, loyalty[0], 'the parsed body is included');
  const ids: number[] = [];
  for (let cursor: string | null = null, pages = 0; pages < 10; pages += 1) {
    const res = await admin(http, `/api/events?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
    ids.push(...res.body.data.map((e: { id: number }) => e.id));
    cursor = res.body.next_cursor;
    if (cursor === null) break;
  }
  t.same(
    ids,
    Array.from({ length: 11 }, (_, i) => i + 1),
    'every event once, in order',
  );
  t.same((await admin(http, '/api/events?event=redeemed')).body.data.length, 3);
  t.same(
    (await admin(http, `/api/events?campaign_id=${CAMPAIGN_B}`)).body.data.map((e: { pass_id: string }) => e.pass_id),
    [other.pass_id],
  );
  t.same(
    (await admin(http, `/api/events?pass_id=${loyalty[0]?.pass_id}&event=installed`)).body.data.map((e: { registration_id: string }) => e.registration_id),
    ['reg-1', 'reg-2'],
  );
  const window = await admin(http, `/api/events?since=${loyalty[2]?.event_at}&until=${loyalty[4]?.event_at}`);
  t.same(
    window.body.data.map((e: { event_at: string }) => e.event_at),
    [loyalty[2]?.event_at, loyalty[3]?.event_at],
    'since inclusive, until exclusive',
  );
  t.same((await admin(http, '/api/events?event=uninstalled&limit=1')).body.next_cursor, null, 'the last page has no cursor');
});

t.test('GET /api/events with since or until lists in event_at order, page after page; newest first and the export follow it', async (t) => {
  const { http } = testApp(t);
  const events = lifecycle(loyaltySteps('reg-1', 'reg-2'));
  // Delivered newest first: arrival (id) order is the reverse of event_at order.
  for (const event of [...events].reverse()) t.equal((await deliver(http, event)).status, 200);
  const window = `since=${events[1]?.event_at}&until=${events[8]?.event_at}`;
  const expected = events.slice(1, 8).map((event) => event.event_at);
  const read = async (path: string): Promise<string[]> => {
    const seen: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages < 10; pages += 1) {
      const res = await admin(http, `${path}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      t.equal(res.status, 200, path);
      seen.push(...res.body.data.map((e: { event_at: string }) => e.event_at));
      cursor = res.body.next_cursor;
      if (cursor === null) break;
    }
    return seen;
  };
  t.same(await read(`/api/events?${window}`), expected, 'the window in event_at order, across pages of 3');
  t.same(await read(`/api/events/newest?${window}`), [...expected].reverse(), 'newest first: the same, reversed');
  t.same(
    (await read('/api/events?')).map((at) => events.findIndex((event) => event.event_at === at)),
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    'unfiltered: arrival order',
  );
  const exported = (await admin(http, `/api/export/events.ndjson?${window}`)).text.trim().split('\n');
  t.same(
    exported.map((line) => (JSON.parse(line) as { event_at: string }).event_at),
    expected,
    'the export in the same order',
  );
  const idCursor = (await admin(http, '/api/events?limit=1')).body.next_cursor as string;
  const mixed = await admin(http, `/api/events?${window}&cursor=${idCursor}`);
  t.equal(mixed.status, 400, 'a cursor of the arrival order on a time-filtered list');
  t.match(mixed.body.error.message, /cursor/);
  const timeCursor = (await admin(http, `/api/events?${window}&limit=1`)).body.next_cursor as string;
  t.equal((await admin(http, `/api/events?cursor=${timeCursor}`)).status, 400, 'and the other way round');
});

t.test('bad query parameters answer 400 invalid_request naming the parameter', async (t) => {
  const { http } = testApp(t);
  const cases: Array<[string, RegExp]> = [
    ['/api/events?limit=0', /limit/],
    ['/api/events?limit=abc', /limit/],
    ['/api/events?pass_id=not-a-uuid', /pass_id/],
    ['/api/events?since=yesterday', /since/],
    ['/api/events?cursor=garbage', /cursor/],
    ['/api/events?colour=red', /colour/],
    ['/api/events?event=a&event=b', /event/],
    ['/api/passes?installed=yes', /installed/],
    ['/api/passes?cursor=MTIz', /cursor/],
    ['/api/passes/not-a-uuid', /pass_id/],
    ['/api/events/abc', /id/],
    ['/api/events/0/raw', /id/],
    ['/api/stats?until=2026-13-45', /until/],
    ['/api/rejections?status=99', /status/],
    ['/api/export/events.ndjson?campaign_id=x', /campaign_id/],
  ];
  for (const [path, message] of cases) {
    const res = await admin(http, path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'invalid_request', path);
    t.match(res.body.error.message, message, path);
  }
});

t.test('a query parameter named like an Object.prototype member (__proto__, toString) answers 400, not 500 or silence', async (t) => {
  const { http } = testApp(t);
  for (const path of [
    '/api/events?__proto__=1',
    '/api/events?toString=x',
    '/api/events?constructor=1',
    '/api/stats?valueOf=1',
    '/api/passes/00000000-0000-4000-8000-000000000000?hasOwnProperty=x',
  ]) {
    const res = await admin(http, path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'invalid_request', path);
    t.match(res.body.error.message, /^query: expected one of /, path);
  }
});

t.test('a date that does not exist (2026-02-30) answers 400, not a silent shift into March', async (t) => {
  const { http } = testApp(t);
  for (const path of ['/api/events?since=2026-02-30', '/api/stats?until=2026-04-31T10:00:00Z', '/api/rejections?since=2025-02-29']) {
    const res = await admin(http, path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'invalid_request', path);
  }
  t.equal((await admin(http, '/api/events?since=2024-02-29&until=2026-01-31T23:59:59Z')).status, 200, 'real days still pass');
});

t.test('a path parameter with malformed percent-encoding answers 400 invalid_request, not 500', async (t) => {
  const { http, logs } = testApp(t);
  for (const path of ['/api/events/%zz', '/api/events/%zz/raw', '/api/passes/%E0%A4%A']) {
    const res = await admin(http, path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'invalid_request', path);
    t.match(res.body.error.message, /^path: expected a correctly percent-encoded path/, path);
  }
  t.notOk(
    logs.some((line) => line.includes('read API failure')),
    'not logged as a server failure',
  );
});

t.test('GET /api/events/:id and its raw body; unknown ids are 404 not_found', async (t) => {
  const { http } = testApp(t);
  const raw = JSON.stringify(makePassEvent(), null, 4);
  await deliver(http, raw);
  const one = await admin(http, '/api/events/1');
  t.equal(one.status, 200);
  t.equal(one.body.data.id, 1);
  t.equal(one.body.data.forwarding, null, 'never queued: no FORWARD_URL');
  const rawRes = await admin(http, '/api/events/1/raw')
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(null, Buffer.concat(chunks)));
    });
  t.equal(rawRes.status, 200);
  t.equal((rawRes.body as Buffer).toString('utf8'), raw, 'exact bytes');
  t.match(rawRes.headers['content-type'], /application\/json/);
  for (const path of ['/api/events/99', '/api/events/99/raw']) {
    const res = await admin(http, path);
    t.equal(res.status, 404, path);
    t.equal(res.body.error.code, 'not_found');
  }
});

t.test('GET /api/passes/:pass_id answers the state and the timeline in event_at order', async (t) => {
  const { http, loyalty } = await seeded(t);
  const passId = loyalty[0]?.pass_id as string;
  const res = await admin(http, `/api/passes/${passId}`);
  t.equal(res.status, 200);
  const pass = res.body.data;
  t.match(pass, {
    pass_id: passId,
    campaign_id: CAMPAIGN_A,
    redeemed_count: 3,
    voided: false,
    installed_devices: 1,
    last_event: 'uninstalled',
    event_count: 10,
    timeline_truncated: false,
  });
  t.same(
    pass.registrations.map((r: { registration_id: string; live: boolean; device_os: string; wallet: string }) => [
      r.registration_id,
      r.live,
      r.device_os,
      r.wallet,
    ]),
    [
      ['reg-1', true, 'ios', 'passbook'],
      ['reg-2', false, 'android', 'wallet_passes'],
    ],
  );
  t.same(
    pass.timeline.map((e: { event: string }) => e.event),
    loyalty.map((e) => e.event),
  );
  t.notOk('last_sort_key' in pass);
  const short = await admin(http, `/api/passes/${passId}?timeline_limit=2`);
  t.equal(short.body.data.timeline.length, 2);
  t.equal(short.body.data.timeline_truncated, true);
  const missing = await admin(http, '/api/passes/00000000-0000-4000-8000-000000000000');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'not_found');
});

t.test('a pass sent with upper-case UUIDs is found by the read API in either case', async (t) => {
  const { app, http } = testApp(t);
  const events = lifecycle(couponSteps('reg-1')).map((e) => ({
    ...e,
    pass_id: e.pass_id.toUpperCase(),
    campaign_id: CAMPAIGN_A.toUpperCase(),
    event_extra: { ...e.event_extra, pass_id: e.pass_id.toUpperCase() },
  }));
  const passId = events[0]?.pass_id as string;
  // The last first, so the others arrive out of order and the pass is recomputed from its raw bodies.
  for (const event of [events[events.length - 1], ...events.slice(0, -1)]) t.equal((await deliver(http, event as Record<string, unknown>)).status, 200);
  t.equal(app.db.prepare('SELECT count(*) FROM passes').pluck().get(), 1, 'one pass row');
  for (const id of [passId, passId.toLowerCase()]) {
    const res = await admin(http, `/api/passes/${id}`);
    t.equal(res.status, 200, id);
    t.match(res.body.data, { pass_id: passId.toLowerCase(), campaign_id: CAMPAIGN_A, event_count: events.length, last_event: 'uninstalled' });
    t.equal((await admin(http, `/api/events?pass_id=${id}`)).body.data.length, events.length);
  }
  t.equal((await admin(http, `/api/passes?campaign_id=${CAMPAIGN_A.toUpperCase()}`)).body.data.length, 1);
  const raw = await admin(http, '/api/events/1/raw');
  t.match(raw.text, passId, 'the raw body keeps the platform spelling');
});

t.test('GET /api/passes lists newest first, filters by campaign and installed, with pagination', async (t) => {
  const { http, loyalty, other } = await seeded(t);
  const all = await admin(http, '/api/passes?limit=1');
  t.equal(all.body.data.length, 1);
  const rest = await admin(http, `/api/passes?limit=1&cursor=${all.body.next_cursor}`);
  t.same([all.body.data[0].pass_id, rest.body.data[0].pass_id], [other.pass_id, loyalty[0]?.pass_id], 'newest first: the pass first stored last');
  t.equal(rest.body.next_cursor, null);
  t.same(
    (await admin(http, '/api/passes?installed=true')).body.data.map((p: { pass_id: string }) => p.pass_id),
    [loyalty[0]?.pass_id],
  );
  t.same(
    (await admin(http, '/api/passes?installed=false')).body.data.map((p: { pass_id: string }) => p.pass_id),
    [other.pass_id],
  );
  t.same((await admin(http, `/api/passes?campaign_id=${CAMPAIGN_B}`)).body, {
    data: [(await admin(http, '/api/passes?installed=false')).body.data[0]],
    next_cursor: null,
  });
});

t.test('an event delivered 3 times shows duplicates: 2 in GET /api/events/:id', async (t) => {
  const { http } = testApp(t);
  const [event] = lifecycle([{ event: 'created' }]);
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push((await deliver(http, event!)).body.duplicate);
  t.same(answers, [false, true, true]);
  const [listed] = (await admin(http, '/api/events')).body.data;
  t.equal(listed.duplicates, 2);
  t.equal((await admin(http, `/api/events/${listed.id}`)).body.data.duplicates, 2);
});

t.test('GET /api/stats counts per event, per campaign, per day and hour, and duplicates and rejections over time', async (t) => {
  const { http, loyalty } = await seeded(t);
  t.equal((await deliver(http, loyalty[0]!)).body.duplicate, true);
  t.equal((await deliver(http, '{not json')).status, 400);
  const res = await admin(http, '/api/stats');
  // Counted at the hour each was answered (now).
  const [duplicateHour, rejectionHour] = [res.body.data.duplicates.by_hour[0]?.hour, res.body.data.rejections.by_hour[0]?.hour];
  t.equal(res.status, 200);
  t.same(res.body.data, {
    total: 11,
    by_event: [
      { event: 'created', count: 2 },
      { event: 'downloaded', count: 1 },
      { event: 'fetched', count: 2 },
      { event: 'installed', count: 2 },
      { event: 'redeemed', count: 3 },
      { event: 'uninstalled', count: 1 },
    ],
    by_campaign: [
      { campaign_id: CAMPAIGN_A, count: 10, passes: 1 },
      { campaign_id: CAMPAIGN_B, count: 1, passes: 1 },
    ],
    by_day: [
      { day: '2026-03-01', count: 10 },
      { day: '2026-03-02', count: 1 },
    ],
    by_hour: [
      { hour: '2026-03-01T09:00:00.000Z', event: 'created', count: 1 },
      { hour: '2026-03-01T09:00:00.000Z', event: 'downloaded', count: 1 },
      { hour: '2026-03-01T09:00:00.000Z', event: 'fetched', count: 2 },
      { hour: '2026-03-01T09:00:00.000Z', event: 'installed', count: 2 },
      { hour: '2026-03-01T09:00:00.000Z', event: 'redeemed', count: 3 },
      { hour: '2026-03-01T09:00:00.000Z', event: 'uninstalled', count: 1 },
      { hour: '2026-03-02T10:00:00.000Z', event: 'created', count: 1 },
    ],
    duplicates: { total: 1, by_day: [{ day: duplicateHour?.slice(0, 10), count: 1 }], by_hour: [{ hour: duplicateHour, count: 1 }] },
    rejections: { total: 1, by_day: [{ day: rejectionHour?.slice(0, 10), count: 1 }], by_hour: [{ hour: rejectionHour, count: 1 }] },
    forwarding: { pending: 0, delivered: 0, failed: 0, cancelled: 0, oldest_pending_queued_at: null },
  });
  t.equal((await admin(http, '/api/stats?since=2026-03-02')).body.data.total, 1);
});

t.test('GET /api/rejections lists rejected deliveries newest first', async (t) => {
  const { app, http } = testApp(t);
  await deliver(http, 'first');
  await deliver(http, makePassEvent(), 'wrong-key');
  await app.store.groupCommit.drain();
  const res = await admin(http, '/api/rejections');
  t.equal(res.status, 200);
  t.same(
    res.body.data.map((r: { status: number; code: string }) => [r.status, r.code]),
    [
      [401, 'unauthorized'],
      [400, 'invalid_json'],
    ],
  );
  t.equal(res.body.next_cursor, null);
  t.same(
    (await admin(http, '/api/rejections?status=400')).body.data.map((r: { body_prefix: string }) => r.body_prefix),
    ['first'],
  );
  const page = await admin(http, '/api/rejections?limit=1');
  t.equal(page.body.data[0].code, 'unauthorized');
  t.equal((await admin(http, `/api/rejections?limit=1&cursor=${page.body.next_cursor}`)).body.data[0].code, 'invalid_json');
});

t.test('GET /api/export/events.ndjson streams every matching event, one JSON per line', async (t) => {
  const { http, loyalty } = await seeded(t);
  const res = await admin(http, '/api/export/events.ndjson');
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /application\/x-ndjson/);
  const lines = res.text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: number; payload: unknown });
  t.equal(lines.length, 11);
  t.same(lines[0]?.payload, loyalty[0]);
  const filtered = await admin(http, '/api/export/events.ndjson?event=redeemed');
  t.equal(filtered.text.trimEnd().split('\n').length, 3);
});

t.test('an export whose client disconnects mid-stream stops instead of waiting for drain forever', async (t) => {
  const receiver = await listeningReceiver(t, { adminToken: ADMIN_TOKEN });
  // Enough bytes that the first chunk of the export fills the socket's buffers.
  const insert = receiver.app.db.prepare(
    `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
     VALUES (?, 'created', ?, ?, ?, ?, '2026-03-01T09:00:00.000Z', 0, '', 0, 0, 0, ?)`,
  );
  receiver.app.db.transaction(() => {
    for (let i = 0; i < 1_500; i += 1) {
      const event = makePassEvent({ metadata: { filler: 'x'.repeat(2_000) } });
      insert.run(`key-${i}`, event.pass_id, event.campaign_id, event.distribution_id, event.serial_number, Buffer.from(JSON.stringify(event)));
    }
  })();
  let served: ServerResponse | undefined;
  receiver.server.on('request', (_req, res: ServerResponse) => (served = res));
  const client = request(`${receiver.url}/api/export/events.ndjson`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await new Promise<void>((resolve) => client.on('response', (res) => (res.pause(), resolve())).end());
  await until(() => (served?.listenerCount('drain') ?? 0) > 0);
  t.equal(served?.listenerCount('drain'), 1, 'the export waits for the client to read');
  const closed = new Promise((resolve) => served?.once('close', resolve));
  client.destroy();
  await closed;
  await until(() => served?.listenerCount('drain') === 0);
  t.equal(served?.listenerCount('drain'), 0, 'the export stopped once the client went away');
});

t.test('health, readiness and unknown routes', async (t) => {
  const { app, http } = testApp(t);
  t.same((await http.get('/healthz')).body, { status: 'ok' });
  t.same((await http.get('/readyz')).body, { status: 'ready' });
  const missing = await http.get('/nope');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'not_found');
  await app.close();
  const down = await http.get('/readyz');
  t.equal(down.status, 503, 'a load balancer takes the instance out');
  t.equal(down.body.error.code, 'store_unavailable');
});
