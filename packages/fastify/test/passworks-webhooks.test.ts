import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createMemoryStore, type HandlerContext } from '@passworks-webhooks/core';
import { DRAIN_LIMIT_BYTES } from '@passworks-webhooks/core/node';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/fastify';
import { DELIVERY_HEADERS, KEY, listenFastify } from './fixtures/listen-fastify.js';

/** A POST of `body` to `url`; the status and the parsed answer. */
async function post(
  url: string,
  body: unknown = makePassEvent(),
  headers: Record<string, string> = DELIVERY_HEADERS,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

const errorCode = (body: unknown): unknown => (body as { error?: { code?: unknown } } | undefined)?.error?.code;

t.test('throws at creation, naming PASSWORKS_API_KEY, when no key is configured and auth is not off', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved === undefined) delete process.env.PASSWORKS_API_KEY;
    else process.env.PASSWORKS_API_KEY = saved;
  });
  delete process.env.PASSWORKS_API_KEY;
  t.throws(() => passworksWebhooks(), { code: 'invalid_config', message: /PASSWORKS_API_KEY/ });
  t.doesNotThrow(() => passworksWebhooks({ auth: false }), 'auth: false is the explicit way to run without a key');
});

t.test('reads the comma-separated keys of PASSWORKS_API_KEY when no apiKey is given', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved === undefined) delete process.env.PASSWORKS_API_KEY;
    else process.env.PASSWORKS_API_KEY = saved;
  });
  process.env.PASSWORKS_API_KEY = 'old-key, new-key';
  const { url } = await listenFastify(t, (app) => app.register(passworksWebhooks()));
  for (const key of ['old-key', 'new-key'])
    t.equal((await post(`${url}/webhooks/passworks`, makePassEvent(), { ...DELIVERY_HEADERS, authorization: key })).status, 200, key);
  t.equal((await post(`${url}/webhooks/passworks`, makePassEvent(), { ...DELIVERY_HEADERS, authorization: 'other-key' })).status, 401);
});

t.test('rejects a path that does not start with a slash, naming the option', async (t) => {
  t.throws(() => passworksWebhooks({ apiKey: KEY, path: 'hooks' }), { code: 'invalid_config', message: /^path:/ });
});

t.test("serves POST /webhooks/passworks; the app's other routes keep Fastify's JSON parser and its body limit", async (t) => {
  let handled = 0;
  const { url } = await listenFastify(
    t,
    async (app) => {
      await app.register(passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
      app.post('/orders', async (request) => ({ echoed: request.body, isObject: typeof request.body === 'object' }));
      app.get('/health', async () => ({ ok: true }));
    },
    { bodyLimit: 1024 },
  );
  t.equal((await post(`${url}/webhooks/passworks`)).status, 200);
  t.equal(handled, 1);
  t.same(
    await post(`${url}/orders`, { sku: 'A-1' }, { 'content-type': 'application/json' }),
    { status: 200, body: { echoed: { sku: 'A-1' }, isObject: true } },
    'a second JSON route still parses JSON',
  );
  const malformed = await post(`${url}/orders`, '{"sku":', { 'content-type': 'application/json' });
  t.match(malformed, { status: 400, body: { code: 'FST_ERR_CTP_INVALID_JSON_BODY' } }, 'and still answers malformed JSON its own way');
  t.match(
    await post(`${url}/orders`, { padding: 'x'.repeat(2048) }, { 'content-type': 'application/json' }),
    { status: 413, body: { code: 'FST_ERR_CTP_BODY_TOO_LARGE' } },
    'its bodyLimit still holds there',
  );
  t.same(await (await fetch(`${url}/health`)).json(), { ok: true });
  // Fastify's bodyLimit (1 KiB here) is not the webhook route's: the pipeline's bodyLimitBytes (100 KiB) is.
  t.equal(
    (await post(`${url}/webhooks/passworks`, makePassEvent({ metadata: { padding: 'x'.repeat(16 * 1024) } }))).status,
    200,
    'a 16 KiB delivery is within bodyLimitBytes',
  );
  t.equal((await post(`${url}/webhooks/passworks/extra`)).status, 404, 'a longer path is not the webhook path');
  t.equal(handled, 2);
});

t.test('answers every other method on its path with 405 and Allow: POST', async (t) => {
  const { url } = await listenFastify(t, (app) => app.register(passworksWebhooks({ apiKey: KEY })));
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const response = await fetch(`${url}/webhooks/passworks?x=1`, { method, headers: { authorization: KEY } });
    t.equal(response.status, 405, method);
    t.equal(response.headers.get('allow'), 'POST');
    t.equal(errorCode(await response.json()), 'method_not_allowed');
  }
});

t.test('serves the path option under the register prefix, ignoring the query string', async (t) => {
  let handled = 0;
  const { url } = await listenFastify(t, async (app) => {
    await app.register(passworksWebhooks({ apiKey: KEY, path: '/passworks', onAny: () => void (handled += 1) }), { prefix: '/hooks' });
  });
  t.equal((await post(`${url}/hooks/passworks?source=platform`)).status, 200);
  t.equal((await post(`${url}/passworks`)).status, 404);
  t.equal((await post(`${url}/webhooks/passworks`)).status, 404);
  t.equal(handled, 1);
});

t.test('calls typed handlers from the on option and from chained .on(), once each, then the any-event handler, with the exact bytes', async (t) => {
  const calls: string[] = [];
  const rawBodies: HandlerContext['rawBody'][] = [];
  const plugin = passworksWebhooks({
    apiKey: KEY,
    on: { redeemed: (event) => void calls.push(`option:${event.event}:${event.redeemed_count}`) },
  })
    .on('redeemed', async (event, context) => {
      calls.push(`chained:${event.event}`);
      rawBodies.push(context.rawBody);
    })
    .on('installed', (event) => void calls.push(`installed:${event.event_extra.registration_id}`))
    .onAny((event) => void calls.push(`any:${event.event}`))
    .onUnknown((event) => void calls.push(`unknown:${event.event}`));
  const { url } = await listenFastify(t, (app) => app.register(plugin));
  // Spaced and with a key order of its own: the bytes a handler gets are these, not a re-serialisation.
  const redeemed = JSON.stringify(makePassEvent({ event: 'redeemed', redeemed_count: 1, redeemed_at: '2026-03-01T09:05:00Z' }), null, 2);
  t.equal((await post(`${url}/webhooks/passworks`, redeemed)).status, 200);
  t.equal((await post(`${url}/webhooks/passworks`, makePassEvent({ event: 'archived' }))).status, 200);
  t.same(calls, ['option:redeemed:1', 'chained:redeemed', 'any:redeemed', 'unknown:archived']);
  t.equal(Buffer.from(rawBodies[0] as Uint8Array).toString('utf8'), redeemed, 'context.rawBody is the body as sent');
});

t.test('reports a failing handler to onError and answers 500 handler_failed', async (t) => {
  const codes: string[] = [];
  const plugin = passworksWebhooks({ apiKey: KEY })
    .on('installed', () => {
      throw new Error('database down');
    })
    .onError((error) => void codes.push(error.code));
  const { url } = await listenFastify(t, (app) => app.register(plugin));
  const response = await post(`${url}/webhooks/passworks`);
  t.equal(response.status, 500);
  t.equal(errorCode(response.body), 'handler_failed');
  t.same(codes, ['handler_failed']);
});

t.test('two apps sharing one store handle an event once between them', async (t) => {
  const store = createMemoryStore();
  let handled = 0;
  const first = await listenFastify(t, (app) => app.register(passworksWebhooks({ apiKey: KEY, store, onAny: () => void (handled += 1) })));
  const second = await listenFastify(t, (app) => app.register(passworksWebhooks({ apiKey: KEY, store, onAny: () => void (handled += 1) })));
  const event = makePassEvent();
  t.same((await post(`${first.url}/webhooks/passworks`, event)).body, { received: true, duplicate: false, event: 'installed' });
  t.same((await post(`${second.url}/webhooks/passworks`, event)).body, { received: true, duplicate: true, event: 'installed' });
  t.equal(handled, 1);
});

t.test("the app's onRequest hooks run first, and its onResponse hooks see the answer", async (t) => {
  const seen: string[] = [];
  let handled = 0;
  let allAnswered = (): void => {};
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  const { url } = await listenFastify(t, async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      seen.push(`onRequest ${request.url}`);
      if (request.headers['x-blocked'] !== undefined) await reply.code(403).send({ blocked: true });
    });
    app.addHook('onResponse', async (_request, reply) => {
      seen.push(`onResponse ${reply.statusCode}`);
      if (seen.length === 6) allAnswered();
    });
    await app.register(passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
  });
  t.equal((await post(`${url}/webhooks/passworks`)).status, 200);
  t.equal((await post(`${url}/webhooks/passworks`, makePassEvent(), { ...DELIVERY_HEADERS, authorization: 'wrong' })).status, 401);
  t.same(await post(`${url}/webhooks/passworks`, makePassEvent(), { ...DELIVERY_HEADERS, 'x-blocked': '1' }), { status: 403, body: { blocked: true } });
  t.equal(handled, 1);
  // onResponse runs once an answer is sent, which may be after the client read it.
  await answered;
  t.same(seen, [
    'onRequest /webhooks/passworks',
    'onResponse 200',
    'onRequest /webhooks/passworks',
    'onResponse 401',
    'onRequest /webhooks/passworks',
    'onResponse 403',
  ]);
});

t.test('answers 413 to a huge body declared by Content-Length without reading it', async (t) => {
  let handled = 0;
  const { port } = await listenFastify(t, (app) => app.register(passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) })));
  // A client that declares 8 MiB and sends 10 bytes still gets its 413: a reader would wait for the rest.
  const socket = connect(port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  socket.write(
    `POST /webhooks/passworks HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: ${KEY}\r\ncontent-length: ${8 * 1024 * 1024}\r\n\r\n{"event":`,
  );
  const answer = await Promise.race([once(socket, 'data').then(([data]) => String(data)), sleep(2_000, 'no answer within 2 s', { ref: false })]);
  t.match(answer, /^HTTP\/1\.1 413 /);
  t.match(answer, /\r\nconnection: close\r\n/i);
  t.equal(handled, 0);
});

t.test('stops reading a streamed body (no Content-Length) soon after it passes the limit', async (t) => {
  let bytesRead = 0;
  const { port } = await listenFastify(t, async (app) => {
    app.addHook('onRequest', async (request) => void request.raw.on('data', (chunk: Buffer) => void (bytesRead += chunk.length)));
    await app.register(passworksWebhooks({ apiKey: KEY, bodyLimitBytes: 16 * 1024 }));
  });
  const status = await new Promise<number>((resolve, reject) => {
    const client = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/webhooks/passworks',
      headers: { ...DELIVERY_HEADERS, 'transfer-encoding': 'chunked' },
    });
    client.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      client.destroy();
    });
    client.on('error', reject);
    // Up to 64 MiB, written as long as the server keeps reading; it stops once over the limit.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < 1024 && !client.destroyed) {
        sent += 1;
        if (!client.write(chunk)) return void client.once('drain', pump);
      }
    };
    pump();
  });
  t.equal(status, 413);
  // The limit, then at most DRAIN_LIMIT_BYTES drained so a proxy can read the answer, plus what was in flight.
  t.ok(bytesRead < 16 * 1024 + DRAIN_LIMIT_BYTES + 256 * 1024, `read ${bytesRead} bytes of a 64 MiB body with a 16 KiB limit`);
});

t.test('refuses to register on an HTTP/2 Fastify, with invalid_config', async (t) => {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ http2: true });
  t.teardown(() => app.close());
  await t.rejects(async () => void (await app.register(passworksWebhooks({ apiKey: KEY }))), { code: 'invalid_config', message: /^http2:/ });
});

t.test("shows in Fastify's plugin tree by its package name; two registrations serve two paths", async (t) => {
  const { app, url } = await listenFastify(t, async (app) => {
    await app.register(passworksWebhooks({ apiKey: KEY }));
    await app.register(passworksWebhooks({ apiKey: 'other-key', path: '/other' }));
  });
  t.equal(app.printPlugins().match(/@passworks-webhooks\/fastify/g)?.length, 2);
  t.equal((await post(`${url}/webhooks/passworks`)).status, 200);
  t.equal((await post(`${url}/other`, makePassEvent(), { ...DELIVERY_HEADERS, authorization: 'other-key' })).status, 200);
  t.equal((await post(`${url}/other`)).status, 401, 'each registration has its own options');
});
