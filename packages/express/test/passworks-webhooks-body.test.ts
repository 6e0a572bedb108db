import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import request from 'supertest';
import type { Express, RequestHandler } from 'express';
import { DRAIN_LIMIT_BYTES } from '@passworks-webhooks/core/node';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { DELIVERY_HEADERS, EXPRESS_VERSIONS, KEY } from './fixtures/express-versions.js';

const errorCode = (body: unknown): unknown => (body as { error?: { code?: unknown } }).error?.code;

for (const { name, express } of EXPRESS_VERSIONS) {
  t.test(name, async (t) => {
    /** Every parser set-up an app may have, including ones configured to take JSON as text or bytes. */
    const parsers: Record<string, () => RequestHandler> = {
      'express.json()': () => express.json(),
      'express.text()': () => express.text(),
      'express.text({ type: application/json })': () => express.text({ type: 'application/json' }),
      'express.raw()': () => express.raw(),
      'express.raw({ type: application/json })': () => express.raw({ type: 'application/json' }),
      'express.urlencoded()': () => express.urlencoded({ extended: false }),
    };

    for (const [parser, make] of Object.entries(parsers)) {
      for (const order of ['before', 'after'] as const) {
        t.test(`with ${parser} mounted ${order} it, accepts, dedupes and rejects deliveries exactly as alone`, async (t) => {
          let handled = 0;
          const app: Express = express();
          const webhooks = passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) });
          if (order === 'before') app.use(make(), webhooks);
          else app.use(webhooks, make());
          const send = (body: string, authorization = KEY) =>
            request(app)
              .post('/webhooks/passworks')
              .set({ ...DELIVERY_HEADERS, authorization })
              .send(body);

          const event = JSON.stringify(makePassEvent());
          const first = await send(event);
          t.equal(first.status, 200, JSON.stringify(first.body));
          t.same(first.body, { received: true, duplicate: false, event: 'installed' });
          t.equal((await send(event)).body.duplicate, true);
          t.equal((await send(JSON.stringify(makePassEvent()), 'wrong-key')).status, 401);
          const invalid = await send(JSON.stringify(makePassEvent({ serial_number: 42 })));
          t.equal(invalid.status, 422);
          t.same(
            (invalid.body as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
            ['$.serial_number'],
          );
          const empty = await send('');
          t.equal(empty.status, 400, 'an empty body is empty even after a JSON parser turned it into {}');
          t.equal(errorCode(empty.body), 'invalid_json');
          t.equal(handled, 1);
        });
      }
    }

    t.test('after express.json(), malformed JSON never reaches it: body-parser answers 400 through Express', async (t) => {
      let handled = 0;
      const app = express().use(express.json(), passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
      app.set('env', 'test'); // Express's final handler would print the parser's stack otherwise
      const response = await request(app).post('/webhooks/passworks').set(DELIVERY_HEADERS).send('{"event":');
      t.equal(response.status, 400);
      t.equal(handled, 0);
    });

    t.test('answers 500 body_unavailable at once when a middleware drained the stream and left nothing', async (t) => {
      let handled = 0;
      const drain: RequestHandler = (req, _res, next) => {
        req.resume();
        req.once('end', () => next());
      };
      // Express 4's urlencoded() leaves `req.body = {}` on requests it skips; that placeholder is not a body either.
      for (const before of [[drain], [express.urlencoded({ extended: false }), drain]]) {
        const app = express().use(...before, passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) }));
        const response = await request(app).post('/webhooks/passworks').set(DELIVERY_HEADERS).send(JSON.stringify(makePassEvent())).timeout(2_000);
        t.equal(response.status, 500);
        t.equal(errorCode(response.body), 'body_unavailable');
      }
      t.equal(handled, 0);
    });

    t.test('after express.json(), an empty-looking body is a 4xx, never a 5xx: [] gets 422, and {} without the key 401', async (t) => {
      const app = express().use(express.json(), passworksWebhooks({ apiKey: KEY }));
      const send = (body: string, authorization = KEY) =>
        request(app)
          .post('/webhooks/passworks')
          .set({ ...DELIVERY_HEADERS, authorization })
          .send(body);
      const array = await send('[]');
      t.equal(array.status, 422);
      t.equal(errorCode(array.body), 'invalid_event');
      const unauthenticated = await send('{}', 'wrong-key');
      t.equal(unauthenticated.status, 401);
      t.equal(errorCode(unauthenticated.body), 'unauthorized');
    });

    t.test('after a parser that took the body, still answers 413 to a declared Content-Length over its own limit', async (t) => {
      let handled = 0;
      const app = express().use(express.json({ limit: '1mb' }), passworksWebhooks({ apiKey: KEY, bodyLimitBytes: 2048, onAny: () => void (handled += 1) }));
      const response = await request(app)
        .post('/webhooks/passworks')
        .set(DELIVERY_HEADERS)
        .send(JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(4096) } })));
      t.equal(response.status, 413);
      t.equal(errorCode(response.body), 'payload_too_large');
      t.equal(handled, 0);
    });

    t.test('stops reading a streamed body (no Content-Length) soon after it passes the limit', async (t) => {
      let bytesRead = 0;
      const count: RequestHandler = (req, _res, next) => {
        req.on('data', (chunk: Buffer) => void (bytesRead += chunk.length));
        next();
      };
      const app = express().use(count, passworksWebhooks({ apiKey: KEY, bodyLimitBytes: 16 * 1024 }));
      const server = app.listen(0, '127.0.0.1');
      t.teardown(() => {
        server.close();
        server.closeAllConnections();
      });
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
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

    /** Serves `app` on 127.0.0.1 for one test; closed at teardown. */
    const listen = async (t: Test, app: Express): Promise<number> => {
      const server: Server = app.listen(0, '127.0.0.1');
      t.teardown(() => {
        server.close();
        server.closeAllConnections();
      });
      await new Promise((resolve) => server.once('listening', resolve));
      return (server.address() as AddressInfo).port;
    };

    /** POSTs `body` over real HTTP, chunked (no Content-Length) in 4 KiB writes; resolves with the status and the error code. */
    const postChunked = (
      port: number,
      body: Buffer,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; code: unknown; acceptEncoding: unknown }> =>
      new Promise((resolve, reject) => {
        const client = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/webhooks/passworks',
          headers: { ...DELIVERY_HEADERS, 'transfer-encoding': 'chunked', ...headers },
        });
        client.on('response', (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let code: unknown;
            try {
              code = errorCode(JSON.parse(text));
            } catch {
              code = text.slice(0, 80);
            }
            resolve({ status: response.statusCode ?? 0, code, acceptEncoding: response.headers['accept-encoding'] });
          });
        });
        client.on('error', reject);
        for (let offset = 0; offset < body.length; offset += 4096) client.write(body.subarray(offset, offset + 4096));
        client.end();
      });

    t.test('with express.json() mounted first, a chunked body over bodyLimitBytes still gets 413 (the parser took it within its own limit)', async (t) => {
      let handled = 0;
      const app = express().use(express.json(), passworksWebhooks({ apiKey: KEY, bodyLimitBytes: 4096, onAny: () => void (handled += 1) }));
      const port = await listen(t, app);
      const over = await postChunked(port, Buffer.from(JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(8192) } }))));
      t.same(over, { status: 413, code: 'payload_too_large', acceptEncoding: undefined });
      const within = await postChunked(port, Buffer.from(JSON.stringify(makePassEvent())));
      t.equal(within.status, 200, 'a chunked body within the limit is accepted');
      t.equal(handled, 1);
    });

    for (const order of ['alone', 'after express.json()'] as const) {
      t.test(`${order}: a gzip body gets 415 naming identity, and a plain body labelled gzip is never stored`, async (t) => {
        let handled = 0;
        const webhooks = passworksWebhooks({ apiKey: KEY, onAny: () => void (handled += 1) });
        const app = order === 'alone' ? express().use(webhooks) : express().use(express.json(), webhooks);
        app.set('env', 'test'); // Express's final handler would print the parser's stack otherwise
        const port = await listen(t, app);
        const plain = Buffer.from(JSON.stringify(makePassEvent()));
        t.same(
          await postChunked(port, gzipSync(plain), { 'content-encoding': 'gzip' }),
          { status: 415, code: 'unsupported_media_type', acceptEncoding: 'identity' },
          'the same answer whatever decoded it first',
        );
        const mislabelled = await postChunked(port, plain, { 'content-encoding': 'gzip' });
        // Alone, our 415; after express.json(), body-parser cannot inflate it and answers 400 itself before we run.
        t.equal(mislabelled.status, order === 'alone' ? 415 : 400);
        t.equal(handled, 0, 'neither is handled');
      });
    }
  });
}
