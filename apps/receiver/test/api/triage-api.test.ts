import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import request from 'supertest';
import type { ForwardOptions, ReceiverApp } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, admin, deliver, lifecycle, testApp, waitFor } from '../helpers.js';
import { freshSchemas, testDatabase } from '../test-database.js';

// The triage API on both backends: ?forwarding= on the lists, the export and replays, POST /api/events/:id/retry,
// replays reaching done and echoing their filter as given.

/** A downstream on 127.0.0.1 answering 500 while `broken`, else 204; counts the 204s per event id. */
async function downstream(t: Test) {
  const delivered = new Map<string, number>();
  const sink = { broken: true, delivered, url: '' };
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      if (sink.broken) return void res.writeHead(500).end();
      const id = String(req.headers['x-passworks-event-id']);
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passworks`;
  return sink;
}

const forwardTo = (url: string): ForwardOptions => ({
  url,
  apiKey: 'pk_live_downstream-key-5521',
  timeoutMs: 2_000,
  backoffBaseMs: 10,
  backoffMaxMs: 20,
  pollMs: 10,
  maxAttempts: 1,
});

type Open = (t: Test, forward: ForwardOptions | undefined) => Promise<ReceiverApp>;

function triage(name: string, open: Open): void {
  t.test(`${name}: filter by forwarding state, retry one, replay the rest until done`, async (t) => {
    const sink = await downstream(t);
    const app = await open(t, forwardTo(sink.url));
    const http = request(app.listener);
    const post = (path: string, body?: unknown) =>
      http
        .post(path)
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .set('content-type', 'application/json')
        .send(JSON.stringify(body ?? {}));
    const events = [1, 2, 3].map(() => lifecycle([{ event: 'created' }])[0]!);
    for (const event of events) await deliver(http, event).expect(200);
    const listed = async (query: string): Promise<number[]> =>
      ((await admin(http, `/api/events?${query}`).expect(200)).body.data as Array<{ id: number }>).map((row) => row.id);
    await waitFor(async () => (await listed('forwarding=failed')).length === 3, 'all three dead-lettered');
    const [first, ...rest] = await listed('forwarding=failed');
    t.same(await listed('forwarding=pending'), []);
    t.same(await listed('forwarding=none'), []);

    for (const path of ['/api/events', '/api/events/newest', '/api/export/events.ndjson']) {
      const res = await admin(http, `${path}?forwarding=stuck`);
      t.equal(res.status, 400, path);
      t.equal(res.body.error.code, 'invalid_request');
      t.match(res.body.error.message, /^forwarding:/);
    }

    sink.broken = false;
    const retried = await post(`/api/events/${first}/retry`);
    t.equal(retried.status, 202);
    t.match(retried.body.data, { state: 'pending', attempts: 0, replay_id: Number });
    await waitFor(async () => (await admin(http, `/api/events/${first}`)).body.data.forwarding.state === 'delivered', 'the retried event delivered');
    t.same(await listed('forwarding=delivered'), [first]);
    t.same(
      ((await admin(http, '/api/events/newest?forwarding=failed')).body.data as Array<{ id: number }>).map((row) => row.id),
      [...rest].reverse(),
    );
    const exported = (await admin(http, '/api/export/events.ndjson?forwarding=failed')).text.trim().split('\n');
    t.same(
      exported.map((line) => (JSON.parse(line) as { id: number }).id),
      rest,
    );
    t.equal((await post('/api/events/99999/retry')).status, 404);
    t.equal((await post('/api/events/abc/retry')).status, 400);

    t.same((await admin(http, '/api/events/count?forwarding=failed&since=2026-01-01T00:00:00Z')).body, { data: { count: 2 } });
    t.same((await admin(http, '/api/events/count')).body, { data: { count: 3 } });
    t.equal((await admin(http, '/api/events/count?forwarding=stuck')).status, 400);
    const bad = await post('/api/replays', { forwarding: 'stuck' });
    t.equal(bad.status, 400);
    t.match(bad.body.error.message, /^forwarding:/);
    const created = await post('/api/replays', { status: 'all', forwarding: 'failed', since: '2026-01-01T00:00:00Z' });
    t.equal(created.status, 202);
    t.same(
      created.body.data.filter,
      { status: 'all', forwarding: 'failed', since: '2026-01-01T00:00:00.000Z' },
      'the filter as given, the instant as an ISO string',
    );
    t.equal(created.body.data.matched, 2);
    const replayPath = `/api/replays/${created.body.data.id}`;
    await waitFor(async () => (await admin(http, replayPath)).body.data.state === 'done', 'the replay done');
    t.match((await admin(http, replayPath)).body.data, {
      state: 'done',
      matched: 2,
      sent: 2,
      succeeded: 2,
      failed: 0,
      filter: { since: '2026-01-01T00:00:00.000Z' },
    });
    t.same(await listed('forwarding=delivered'), [first, ...rest]);
    t.same([...sink.delivered.values()], [1, 1, 1], 'each event sent once after the fix');
  });

  t.test(`${name}: without FORWARD_URL retry is 404 and every event is forwarding=none`, async (t) => {
    const app = await open(t, undefined);
    const http = request(app.listener);
    await deliver(http, lifecycle([{ event: 'created' }])[0]!).expect(200);
    t.equal((await admin(http, '/api/events?forwarding=none')).body.data.length, 1);
    t.equal((await admin(http, '/api/events?forwarding=failed')).body.data.length, 0);
    const res = await http.post('/api/events/1/retry').set('authorization', `Bearer ${ADMIN_TOKEN}`);
    t.equal(res.status, 404);
    t.match(res.body.error.message, /FORWARD_URL/);
  });
}

triage('sqlite', async (t, forward) => testApp(t, forward === undefined ? {} : { forward }).app);

const database = await testDatabase();
if (database !== undefined) {
  const freshSchema = freshSchemas(database, 'triage');
  triage('postgres', async (t, forward) => {
    const databaseUrl = (await freshSchema()).url;
    return testApp(t, { databaseUrl, poolSize: 4, ...(forward === undefined ? {} : { forward }) }).app;
  });
}
