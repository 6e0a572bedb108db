import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import express from 'express';
import { silentLogger } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import type { Storage } from '@passworks-webhooks/receiver';
import { createEventStream } from '../../src/api/create-event-stream.js';
import { ADMIN_TOKEN, admin, testApp } from '../helpers.js';
import { listen, openStream, post } from '../live-server.js';

const FAST = { eventStream: { pollMs: 20, heartbeatMs: 100 } };
const ids = (messages: ReadonlyArray<{ id: number }>): number[] => messages.map((message) => message.id);
const storedIds = async (http_: ReturnType<typeof testApp>['http']): Promise<number[]> =>
  ((await admin(http_, '/api/events?limit=1000')).body as { data: Array<{ id: number }> }).data.map((event) => event.id);

t.test('streams each new event once, its id: the event id, with heartbeats', async (t) => {
  const { app, http: client } = testApp(t, FAST);
  const base = await listen(t, app);
  const stream = await openStream(t, base);
  t.equal(stream.status, 200);
  t.match(stream.headers['content-type'], /^text\/event-stream/);
  const passId = randomUUID();
  for (const event of ['created', 'downloaded', 'redeemed'] as const)
    t.equal(await post(base, makePassEvent({ event, pass_id: passId, event_extra: {} })), 200);
  await stream.waitFor(3);
  t.same(ids(stream.messages), await storedIds(client), 'the stored events, in id order');
  t.same(
    stream.messages.map((message) => message.data.event),
    ['created', 'downloaded', 'redeemed'],
  );
  t.equal(stream.messages[0]?.data.pass_id, passId);
  const raw = await new Promise<string>((resolve) => {
    http.get(`${base}/api/events/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (text.includes(': heartbeat')) (res.destroy(), resolve(text));
      });
    });
  });
  t.match(raw, /^retry: 1000\n\n: heartbeat\n\n/, 'a heartbeat comment keeps an idle stream open');
});

t.test('refuses a stream without the admin token or a session', async (t) => {
  const { app } = testApp(t, FAST);
  const base = await listen(t, app);
  const res = await fetch(`${base}/api/events/stream`);
  t.equal(res.status, 401);
  t.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthorized');
  const webhookKey = await fetch(`${base}/api/events/stream`, { headers: { authorization: 'Bearer pk_live_Zq8w-secret-webhook-key-7731' } });
  t.equal(webhookKey.status, 401, 'the webhook key is not the admin token');
  await webhookKey.arrayBuffer();
});

t.test('a reconnect with Last-Event-ID resumes after it: no gap, no duplicate', async (t) => {
  const { app, http: client } = testApp(t, FAST);
  const base = await listen(t, app);
  const first = await openStream(t, base);
  for (let i = 0; i < 5; i++) t.equal(await post(base, makePassEvent()), 200);
  await first.waitFor(5);
  first.close();
  const lastSeen = first.messages[2]?.id as number;
  for (let i = 0; i < 4; i++) t.equal(await post(base, makePassEvent()), 200);
  const resumed = await openStream(t, base, { headers: { 'last-event-id': String(lastSeen) }, query: '?after=1' });
  await resumed.waitFor(6);
  const all = await storedIds(client);
  t.equal(all.length, 9);
  t.same(
    ids(resumed.messages),
    all.filter((id) => id > lastSeen),
    'every event after the last one seen, once, in order (the header wins over ?after=)',
  );
  const fromQuery = await openStream(t, base, { query: `?after=${all[6]}` });
  await fromQuery.waitFor(2);
  t.same(ids(fromQuery.messages), all.slice(7), '?after= starts a first connection after an id');
  const bad = await fetch(`${base}/api/events/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'last-event-id': 'abc' } });
  t.equal(bad.status, 400, 'a Last-Event-ID that is not an event id is invalid_request');
  await bad.arrayBuffer();
});

t.test("a list's stream_cursor starts the stream where the list ends", async (t) => {
  const { app, http: client } = testApp(t, FAST);
  const base = await listen(t, app);
  for (let i = 0; i < 3; i++) t.equal(await post(base, makePassEvent()), 200);
  const newest = (await admin(client, '/api/events/newest?limit=2')).body as { data: Array<{ id: number }>; stream_cursor: string };
  const listed = (await admin(client, '/api/events?limit=1')).body as { stream_cursor: string };
  t.type(newest.stream_cursor, 'string', '/api/events/newest hands out a stream cursor');
  t.type(listed.stream_cursor, 'string', '/api/events hands out one too');
  for (let i = 0; i < 2; i++) t.equal(await post(base, makePassEvent()), 200);
  const stream = await openStream(t, base, { query: `?cursor=${newest.stream_cursor}` });
  t.equal(await post(base, makePassEvent()), 200);
  await stream.waitFor(3);
  t.same(ids(stream.messages), (await storedIds(client)).slice(3), 'exactly the events stored after the list, once each');
  for (const [query, name] of [
    [`?cursor=${encodeURIComponent(Buffer.from('[5]').toString('base64url'))}`, 'cursor'],
    [`?cursor=${newest.stream_cursor}&after=1`, 'query'],
  ] as const) {
    const bad = await fetch(`${base}/api/events/stream${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    t.equal(bad.status, 400, `${query}: invalid_request`);
    t.match(await bad.json(), { error: { code: 'invalid_request', message: new RegExp(`^${name}: `) } });
  }
});

t.test('no gap and no duplicate under concurrent commits, for every client and filter', async (t) => {
  const { app, http: client } = testApp(t, FAST);
  const base = await listen(t, app);
  const campaign = randomUUID();
  const readers = await Promise.all([openStream(t, base), openStream(t, base), openStream(t, base, { query: `?campaign_id=${campaign}` })]);
  const total = 240;
  for (let round = 0; round < total / 40; round++) {
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => post(base, makePassEvent(i % 4 === 0 ? { campaign_id: campaign } : {}))));
    t.equal(statuses.filter((status) => status === 200).length, 40);
  }
  await Promise.all(readers.slice(0, 2).map((reader) => reader.waitFor(total)));
  await readers[2]?.waitFor(total / 4);
  const all = [];
  for (let cursor: string | null = null, page = 0; page < 10; page++) {
    const body = (await admin(client, `/api/events?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`)).body as {
      data: Array<{ id: number; campaign_id: string }>;
      next_cursor: string | null;
    };
    all.push(...body.data);
    cursor = body.next_cursor;
    if (cursor === null) break;
  }
  t.equal(all.length, total);
  for (const reader of readers.slice(0, 2))
    t.same(
      ids(reader.messages),
      all.map((event) => event.id),
      'each client got every committed event exactly once, in id order',
    );
  t.same(
    ids(readers[2]?.messages ?? []),
    all.filter((event) => event.campaign_id === campaign).map((event) => event.id),
    'a filtered client got exactly its campaign',
  );
});

t.test('a stalled client is dropped; deliveries and the other clients go on', async (t) => {
  const { app, http: client } = testApp(t, { eventStream: { pollMs: 20, heartbeatMs: 60_000, maxBufferedBytes: 65_536, batchSize: 5_000 } });
  const base = await listen(t, app);
  // 40,000 stored events (about 10 MB of stream messages): more than the kernel's socket buffers hold for a reader that never reads.
  app.db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
    INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
    SELECT 'seed-' || i, 'fetched', '00000000-0000-4000-8000-' || printf('%012d', i), '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002',
      'S' || i, '2026-03-01T09:00:00.000Z', 1772355600000, 'k' || i, 0, 0, 1772355600000, CAST('{}' AS BLOB) FROM n;
  `);
  const stalled = await new Promise<http.ClientRequest>((resolve) => {
    const req = http.get(`${base}/api/events/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'last-event-id': '0' } }, (res) => {
      res.pause(); // reads nothing more, ever
      resolve(req);
    });
    t.teardown(() => req.destroy());
  });
  t.ok(stalled);
  const live = await openStream(t, base);
  const statuses: number[] = [];
  for (let round = 0; round < 10; round++) statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => post(base, makePassEvent())))));
  t.equal(statuses.filter((status) => status === 200).length, 100, 'every delivery answered 200 while a client stalled');
  await live.waitFor(100);
  const newest = ((await admin(client, '/api/events/newest?limit=100')).body as { data: Array<{ id: number }> }).data.map((event) => event.id).reverse();
  t.same(ids(live.messages), newest, 'the reading client got the 100 new events, in order');
  for (let waited = 0; app.stream.dropped === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.stream.dropped, 1, 'the stalled client was dropped');
  t.equal(app.stream.clients, 1, 'the reading client is still connected');
});

t.test('clients that leave while their start is read from the database are not kept, and no poller is left running', async (t) => {
  const { app } = testApp(t);
  const CLIENTS = 5;
  // The stream head read waits at a gate until every client has gone.
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let allReading = (): void => undefined;
  const reading = new Promise<void>((resolve) => (allReading = resolve));
  let reads = 0;
  const storage: Storage = {
    ...app.storage,
    async streamHead() {
      if (++reads === CLIENTS) allReading();
      await gate;
      return app.storage.streamHead();
    },
  };
  const stream = createEventStream(storage, silentLogger, { pollMs: 20 });
  t.teardown(() => stream.close());
  let allClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (allClosed = resolve));
  let closes = 0;
  const handled: Array<Promise<void>> = [];
  const server = http.createServer(
    express().get('/stream', (req, res) => {
      res.on('close', () => {
        if (++closes === CLIENTS) allClosed();
      });
      handled.push(stream.handle(req, res));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const requests = Array.from({ length: CLIENTS }, () => {
    const req = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`);
    req.on('error', () => undefined);
    return req;
  });
  await reading;
  t.equal(stream.clients, 0, 'no client is counted before its start is read');
  for (const req of requests) req.destroy();
  await closed;
  release();
  await Promise.all(handled);
  t.equal(stream.clients, 0, 'the clients that left while their handler awaited the database are not kept');
  t.equal(stream.polling, false, 'no poller runs for them');

  // A client that stays is polled for; when it leaves, the poller stops.
  handled.length = 0;
  const stayed = await new Promise<http.IncomingMessage>((resolve) => http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, resolve));
  await Promise.all(handled);
  t.equal(stream.clients, 1);
  t.equal(stream.polling, true, 'a connected client has the poller running');
  stayed.destroy();
  for (let waited = 0; stream.clients > 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(stream.clients, 0, 'the client that left is gone');
  t.equal(stream.polling, false, 'the poller stopped with the last client');
});

t.test('a client whose start is still being read when the stream closes is not added, and no poller starts', async (t) => {
  const { app } = testApp(t);
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reading = (): void => undefined;
  const started = new Promise<void>((resolve) => (reading = resolve));
  const storage: Storage = {
    ...app.storage,
    async streamHead() {
      reading();
      await gate;
      return app.storage.streamHead();
    },
  };
  const stream = createEventStream(storage, silentLogger, { pollMs: 20 });
  let handled: Promise<void> | undefined;
  const server = http.createServer(express().get('/stream', (req, res) => void (handled = stream.handle(req, res))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const ended = new Promise<string>((resolve) => {
    const req = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, (res) => resolve(`status ${res.statusCode}`));
    req.on('error', (error) => resolve(error.message));
  });
  await started;
  stream.close();
  release();
  await handled;
  t.equal(stream.clients, 0, 'not added after close');
  t.equal(stream.polling, false, 'no poller started after close');
  t.equal(await ended, 'socket hang up', 'the connection is cut, with no stream answered');
});
