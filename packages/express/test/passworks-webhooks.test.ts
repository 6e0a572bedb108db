import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import pino from 'pino';
import request from 'supertest';
import { createMemoryStore } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { DELIVERY_HEADERS, EXPRESS_VERSIONS, KEY } from './fixtures/express-versions.js';

const errorCode = (body: unknown): unknown => (body as { error?: { code?: unknown } }).error?.code;

t.test('throws at creation, naming PASSWORKS_API_KEY, when no key is configured and auth is not off', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved === undefined) delete process.env.PASSWORKS_API_KEY;
    else process.env.PASSWORKS_API_KEY = saved;
  });
  delete process.env.PASSWORKS_API_KEY;
  t.throws(() => passworksWebhooks(), { code: 'invalid_config', message: /PASSWORKS_API_KEY/ });
  process.env.PASSWORKS_API_KEY = ' , ';
  t.throws(() => passworksWebhooks(), { code: 'invalid_config', message: /PASSWORKS_API_KEY/ }, 'a variable holding only blanks is no key');
  t.doesNotThrow(() => passworksWebhooks({ auth: false }), 'auth: false is the explicit way to run without a key');
});

t.test('reads the comma-separated keys of PASSWORKS_API_KEY when no apiKey is given', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved === undefined) delete process.env.PASSWORKS_API_KEY;
    else process.env.PASSWORKS_API_KEY = saved;
  });
  process.env.PASSWORKS_API_KEY = 'old-key, new-key';
  const { express } = EXPRESS_VERSIONS[0]!;
  const app = express().use(passworksWebhooks());
  for (const key of ['old-key', 'new-key']) {
    const response = await request(app)
      .post('/webhooks/passworks')
      .set({ ...DELIVERY_HEADERS, authorization: key })
      .send(JSON.stringify(makePassEvent()));
    t.equal(response.status, 200, key);
  }
  const wrong = await request(app)
    .post('/webhooks/passworks')
    .set({ ...DELIVERY_HEADERS, authorization: 'other-key' })
    .send(JSON.stringify(makePassEvent()));
  t.equal(wrong.status, 401);
});

t.test('rejects a path that does not start with a slash, naming the option', async (t) => {
  t.throws(() => passworksWebhooks({ apiKey: KEY, path: 'hooks' }), { code: 'invalid_config', message: /^path:/ });
});

for (const { name, express } of EXPRESS_VERSIONS) {
  t.test(name, async (t) => {
    const post = (app: Parameters<typeof request>[0], path: string, event: unknown = makePassEvent()) =>
      request(app).post(path).set(DELIVERY_HEADERS).send(JSON.stringify(event));

    t.test('serves POST /webhooks/passworks by default and passes every other request to next() untouched', async (t) => {
      const app = express();
      let handled = 0;
      app.use(passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
      app.use(express.json());
      app.get('/health', (_req, res) => void res.json({ ok: true }));
      app.post('/orders', (req, res) => void res.json({ echoed: req.body as unknown, contentLength: req.headers['content-length'] }));
      app.put('/orders', (_req, res) => void res.status(204).end());

      t.equal((await post(app, '/webhooks/passworks')).status, 200);
      t.equal(handled, 1);
      t.same((await request(app).get('/health')).body, { ok: true });
      const order = await request(app).post('/orders').set('content-type', 'application/json').send('{"sku":"A-1"}');
      t.equal(order.status, 200);
      t.same(order.body, { echoed: { sku: 'A-1' }, contentLength: '13' }, 'the body stream was left for the parser after it');
      t.equal((await request(app).put('/orders').send('x')).status, 204);
      t.equal((await post(app, '/webhooks/passworks/extra')).status, 404, 'a longer path is not the webhook path');
      t.equal(handled, 1);
    });

    t.test('answers other methods on its own path with 405 and Allow: POST', async (t) => {
      const app = express().use(passworksWebhooks({ apiKey: KEY }));
      const response = await request(app).get('/webhooks/passworks?x=1').set('authorization', KEY);
      t.equal(response.status, 405);
      t.equal(response.headers.allow, 'POST');
      t.equal(errorCode(response.body), 'method_not_allowed');
    });

    t.test('serves the path option, ignoring the query string', async (t) => {
      const app = express().use(passworksWebhooks({ apiKey: KEY, path: '/passworks' }));
      t.equal((await post(app, '/passworks?source=platform')).status, 200);
      t.equal((await post(app, '/webhooks/passworks')).status, 404);
    });

    t.test('mounted under a prefix, serves the path relative to the mount point', async (t) => {
      const app = express();
      let handled = 0;
      app.use('/hooks', passworksWebhooks({ apiKey: KEY, path: '/', onAny: () => void (handled += 1) }));
      app.post('/hooks/other', (_req, res) => void res.status(202).end());
      t.equal((await post(app, '/hooks')).status, 200);
      t.equal((await post(app, '/hooks/')).status, 200);
      t.equal((await post(app, '/hooks/other')).status, 202, 'a sibling route under the prefix is left alone');
      t.equal((await post(app, '/')).status, 404, 'outside the prefix nothing is served');
      t.equal(handled, 2);
    });

    t.test('works inside a router mounted under a prefix with its default path', async (t) => {
      const app = express();
      const router = express.Router();
      router.use(passworksWebhooks({ apiKey: KEY }));
      app.use('/api', router);
      t.equal((await post(app, '/api/webhooks/passworks')).status, 200);
      t.equal((await post(app, '/webhooks/passworks')).status, 404);
    });

    t.test('calls typed handlers from the on option and from chained .on(), once each, then the any-event handler', async (t) => {
      const calls: string[] = [];
      const middleware = passworksWebhooks({
        apiKey: KEY,
        on: { redeemed: (event) => void calls.push(`option:${event.event}:${event.redeemed_count}`) },
      })
        .on('redeemed', async (event) => void calls.push(`chained:${event.event}`))
        .on('installed', (event) => void calls.push(`installed:${event.event}`))
        .onAny((event) => void calls.push(`any:${event.event}`))
        .onUnknown((event) => void calls.push(`unknown:${event.event}`));
      const app = express().use(middleware);
      t.equal(
        (await post(app, '/webhooks/passworks', makePassEvent({ event: 'redeemed', redeemed_count: 1, redeemed_at: '2026-03-01T09:05:00Z' }))).status,
        200,
      );
      t.equal((await post(app, '/webhooks/passworks', makePassEvent({ event: 'archived' }))).status, 200);
      t.same(calls, ['option:redeemed:1', 'chained:redeemed', 'any:redeemed', 'unknown:archived']);
    });

    t.test('reports a failing handler to onError and answers 500 handler_failed', async (t) => {
      const codes: string[] = [];
      const app = express().use(
        passworksWebhooks({ apiKey: KEY })
          .on('installed', () => {
            throw new Error('database down');
          })
          .onError((error) => void codes.push(error.code)),
      );
      const response = await post(app, '/webhooks/passworks');
      t.equal(response.status, 500);
      t.equal(errorCode(response.body), 'handler_failed');
      t.same(codes, ['handler_failed']);
    });

    t.test('two middleware instances sharing one store handle an event once between them', async (t) => {
      const store = createMemoryStore();
      let handled = 0;
      const first = express().use(passworksWebhooks({ apiKey: KEY, store, onAny: () => void (handled += 1) }));
      const second = express().use(passworksWebhooks({ apiKey: KEY, store, onAny: () => void (handled += 1) }));
      const event = makePassEvent();
      t.same((await post(first, '/webhooks/passworks', event)).body, { received: true, duplicate: false, event: 'installed' });
      t.same((await post(second, '/webhooks/passworks', event)).body, { received: true, duplicate: true, event: 'installed' });
      t.equal(handled, 1);
    });

    t.test('answers 413 to a huge body declared by Content-Length without reading it', async (t) => {
      let handled = 0;
      const app = express().use(passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
      const huge = JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(8 * 1024 * 1024) } }));
      const response = await request(app).post('/webhooks/passworks').set(DELIVERY_HEADERS).send(huge);
      t.equal(response.status, 413);
      t.equal(errorCode(response.body), 'payload_too_large');
      t.equal(handled, 0);
      // The proof it read nothing: a client that declares 8 MiB and sends 10 bytes still gets its 413 (a reader would wait forever).
      const server = app.listen(0, '127.0.0.1');
      t.teardown(() => {
        server.close();
        server.closeAllConnections();
      });
      await once(server, 'listening');
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      t.teardown(() => void socket.destroy());
      socket.write(
        `POST /webhooks/passworks HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: ${KEY}\r\ncontent-length: ${8 * 1024 * 1024}\r\n\r\n{"event":`,
      );
      const answer = await Promise.race([once(socket, 'data').then(([data]) => String(data)), sleep(2_000, 'no answer within 2 s', { ref: false })]);
      t.match(answer, /^HTTP\/1\.1 413 /);
    });

    t.test('logs through a pino logger, and the API key never appears in a log line', async (t) => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const logger = pino({ level: 'debug' }, sink);
      const app = express().use(passworksWebhooks({ apiKey: KEY, logger }));
      t.equal((await post(app, '/webhooks/passworks')).status, 200);
      t.equal(
        (
          await request(app)
            .post('/webhooks/passworks')
            .set({ ...DELIVERY_HEADERS, authorization: `${KEY}-wrong` })
            .send('{}')
        ).status,
        401,
      );
      const records = lines.map((line) => JSON.parse(line) as { level: number; code?: string; outcome?: string });
      t.same(
        records.map((record) => [record.level, record.code ?? record.outcome]),
        [
          [20, 'processed'],
          [40, 'unauthorized'],
        ],
      );
      t.notOk(lines.join('').includes(KEY), 'no line carries the key');
    });
  });
}
