import { readFileSync } from 'node:fs';
import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { API_KEY, WEBHOOK_PATH, couponSteps, deliver, lifecycle, testApp } from '../helpers.js';

t.test('stores an accepted event with its exact raw bytes and parsed columns, then answers 200', async (t) => {
  const { app, http } = testApp(t);
  const event = makePassEvent({ event_at: '2026-03-01T09:05:00.000+00:00' });
  const raw = `  ${JSON.stringify(event, null, 2)}\n`;
  const res = await deliver(http, raw);
  t.equal(res.status, 200);
  t.same(res.body, { received: true, duplicate: false, event: 'installed' });
  t.match(res.headers['x-request-id'], /^[\w-]{36}$/);
  const row = app.db.prepare('SELECT * FROM events').get() as Record<string, unknown>;
  t.equal((row.raw as Buffer).toString('utf8'), raw, 'exact bytes');
  t.match(row, {
    event: 'installed',
    pass_id: event.pass_id,
    campaign_id: event.campaign_id,
    event_at: '2026-03-01T09:05:00.000Z',
    registration_id: event.event_extra.registration_id,
    device_os: 'ios',
    wallet: 'passbook',
    voided: 0,
    redeemed_count: 0,
  });
  t.equal(app.store.isDone(`${event.pass_id}:installed:2026-03-01T09:05:00.000Z`), true, 'done: the committed row is the mark');
  t.equal(app.db.prepare('SELECT count(*) FROM passworks_idempotency_keys').pluck().get(), 0, 'no mark of the store written beside the row');
});

t.test('a duplicate, even in another timestamp spelling, answers 200 duplicate and stores nothing more', async (t) => {
  const { app, http } = testApp(t);
  const event = makePassEvent({ event_at: '2026-03-01T09:05:00Z' });
  t.equal((await deliver(http, event)).status, 200);
  const again = await deliver(http, { ...event, event_at: '2026-03-01T09:05:00.000+00:00' });
  t.equal(again.status, 200);
  t.equal(again.body.duplicate, true);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  t.match(await app.metrics.registry.getSingleMetricAsString('passworks_duplicates_total'), /passworks_duplicates_total 1/);
});

t.test('concurrent deliveries of one event store it once', async (t) => {
  const { app, http } = testApp(t);
  const event = makePassEvent();
  const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(http, event)));
  t.equal(answers.filter((r) => r.status === 200).length + answers.filter((r) => r.status === 409).length, 20, 'only 200 or 409 in_flight');
  t.equal(answers.filter((r) => r.status === 200 && r.body.duplicate === false).length, 1, 'one processed');
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
});

t.test('concurrent distinct deliveries are committed together and all stored', async (t) => {
  const { app, http } = testApp(t);
  const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(http, makePassEvent())));
  t.same(new Set(answers.map((r) => r.status)), new Set([200]));
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 50);
  t.equal(app.db.prepare('SELECT count(*) FROM passes').pluck().get(), 50);
});

t.test('an event_at on a leap second (23:59:60) is stored and ordered, not answered 500 on every retry', async (t) => {
  const { app, http } = testApp(t);
  const [before, leap] = lifecycle([{ event: 'created' }, { event: 'downloaded' }]).map((event, i) => ({
    ...event,
    event_at: ['2016-12-31T23:59:59.500Z', '2016-12-31T23:59:60Z'][i] as string,
  }));
  for (const event of [leap, before]) t.equal((await deliver(http, event as Record<string, unknown>)).status, 200);
  t.same(app.db.prepare('SELECT event, event_at_ms FROM events ORDER BY sort_key').all(), [
    { event: 'created', event_at_ms: Date.UTC(2016, 11, 31, 23, 59, 59, 500) },
    { event: 'downloaded', event_at_ms: Date.UTC(2016, 11, 31, 23, 59, 59, 999) },
  ]);
  t.match(app.db.prepare('SELECT last_event, event_count FROM passes').get(), { last_event: 'downloaded', event_count: 2 });
});

t.test('an unknown event name is accepted and stored', async (t) => {
  const { app, http } = testApp(t);
  const res = await deliver(http, makePassEvent({ event: 'archived' }));
  t.equal(res.status, 200);
  t.same(app.db.prepare('SELECT event FROM events').pluck().all(), ['archived']);
});

t.test('rejected deliveries answer core error codes and are recorded without the key', async (t) => {
  const { app, http, logs, databasePath } = testApp(t, { bodyLimitBytes: 2_000 });
  const cases = [
    { name: 'wrong key', send: () => deliver(http, makePassEvent(), `${API_KEY}x`), status: 401, code: 'unauthorized' },
    { name: 'missing key', send: () => http.post(WEBHOOK_PATH).set('content-type', 'application/json').send('{}'), status: 401, code: 'unauthorized' },
    { name: 'not JSON', send: () => deliver(http, 'not json {'), status: 400, code: 'invalid_json' },
    { name: 'empty body', send: () => deliver(http, ''), status: 400, code: 'invalid_json' },
    { name: 'not an event', send: () => deliver(http, { event: 'installed' }), status: 422, code: 'invalid_event' },
    {
      name: 'legacy 2016 shape',
      send: () => deliver(http, { ...makePassEvent(), event_at: undefined, action_at: '2016-08-10T11:29:08Z' }),
      status: 422,
      code: 'legacy_payload',
    },
    {
      name: 'wrong content type',
      send: () => http.post(WEBHOOK_PATH).set('content-type', 'text/plain').set('authorization', API_KEY).send('x'),
      status: 415,
      code: 'unsupported_media_type',
    },
    { name: 'GET', send: () => http.get(WEBHOOK_PATH), status: 405, code: 'method_not_allowed' },
    { name: 'too large', send: () => deliver(http, 'x'.repeat(5_000)), status: 413, code: 'payload_too_large' },
  ];
  for (const c of cases) {
    const res = await c.send();
    t.equal(res.status, c.status, c.name);
    t.equal(res.body.error.code, c.code, c.name);
  }
  await app.store.groupCommit.drain();
  const rows = app.db.prepare('SELECT status, code, client_address, body_prefix, body_bytes FROM rejections ORDER BY id').all() as Array<
    Record<string, unknown>
  >;
  t.same(
    rows.map((r) => [r.status, r.code]),
    cases.map((c) => [c.status, c.code]),
  );
  t.match(rows[2], { client_address: /127\.0\.0\.1/, body_prefix: 'not json {', body_bytes: 10 });
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
  await app.close();
  const files = ['', '-wal'].map((suffix) => {
    try {
      return readFileSync(`${databasePath}${suffix}`).toString('latin1');
    } catch {
      return '';
    }
  });
  t.notOk(files.join('').includes(API_KEY.slice(0, 20)), 'the key is in no database byte');
  t.notOk(logs.join('\n').includes(API_KEY.slice(0, 20)), 'the key is in no log line');
  t.ok(
    logs.some((line) => /"status":401/.test(line) && /"req_id"/.test(line) && /"duration_ms"/.test(line)),
    'rejections are logged with request id, status and duration',
  );
});

t.test('the pass projection follows sequence 1 (single-use coupon)', async (t) => {
  const { app, http } = testApp(t);
  const r1 = 'reg-R1';
  const events = lifecycle(couponSteps(r1), { singleUse: true });
  for (const event of events) t.equal((await deliver(http, event)).status, 200);
  const pass = app.db.prepare('SELECT * FROM passes').get() as Record<string, unknown>;
  t.match(pass, {
    voided: 1,
    redeemed_count: 1,
    installed_devices: 0,
    last_event: 'uninstalled',
    event_count: 8,
    last_fetched_at: events[6]?.event_at.replace('Z', '').concat('Z'),
  });
  t.same(JSON.parse(pass.registrations as string), [
    {
      registration_id: r1,
      device_os: 'ios',
      wallet: 'passbook',
      wallet_type: null,
      installed_at: events[2]?.event_at,
      last_fetched_at: events[6]?.event_at,
      uninstalled_at: events[7]?.event_at,
      live: false,
    },
  ]);
});

t.test('deliveries are counted in /metrics by status and event, with durations and database size', async (t) => {
  const { http } = testApp(t);
  await deliver(http, makePassEvent({ event: 'redeemed' }));
  await deliver(http, 'nope');
  const text = (await http.get('/metrics')).text;
  t.match(text, /passworks_deliveries_total\{status="200",event="redeemed",outcome="processed"\} 1/);
  t.match(text, /passworks_deliveries_total\{status="400",event="none",outcome="rejected"\} 1/);
  t.match(text, /passworks_webhook_duration_seconds_count\{outcome="processed"\} 1/);
  t.match(text, /passworks_database_size_bytes [1-9]\d*/);
  t.match(text, /passworks_commit_batch_size_count [1-9]/);
});

t.test('the rejections table is capped: a flood of bad deliveries keeps only the newest maxRejections rows', async (t) => {
  const { app, http } = testApp(t, { maxRejections: 10 });
  // Authentic but not JSON: the body is read (a wrong key is refused before it), so each row keeps its prefix.
  for (let i = 0; i < 25; i++) await deliver(http, `{"n": ${i}`).expect(400);
  const rows = app.db.prepare('SELECT body_prefix FROM rejections ORDER BY id').pluck().all() as string[];
  t.equal(rows.length, 10);
  t.equal(rows.at(-1), '{"n": 24');
  t.equal(rows[0], '{"n": 15');
});

t.test('a maxRejections that is not a positive integer fails at creation, naming it', async (t) => {
  t.throws(() => testApp(t, { maxRejections: 0 }), { code: 'invalid_config', message: /maxRejections/ });
});
