import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { createNodeMiddleware, DEFAULT_WEBHOOK_PATH } from '@passworks-webhooks/core/node';
import { adapterContract, listenForContract, makePassEvent, type MountedAdapter } from '@passworks-webhooks/core/testing';

adapterContract({
  test: (name, fn) =>
    t.test(name, async (t) => {
      await fn();
      t.pass('the contract holds');
    }),
  mount: (options) => listenForContract(createNodeMiddleware(options), DEFAULT_WEBHOOK_PATH),
});

const KEY = 'node-adapter-key';
const headers = { 'content-type': 'application/json', authorization: KEY };

async function serve(t: Test, listener: RequestListener, path = DEFAULT_WEBHOOK_PATH): Promise<MountedAdapter> {
  const adapter = await listenForContract(listener, path);
  t.teardown(() => adapter.close());
  return adapter;
}

/** Reads the whole stream, as a body parser would, before handing over. */
async function drain(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type WithBody = IncomingMessage & { body?: unknown };

t.test('passes other paths to next untouched, and answers 404 without a next', async (t) => {
  const middleware = createNodeMiddleware({ apiKey: KEY });
  let nextCalls = 0;
  const withNext = await serve(
    t,
    (req, res) =>
      middleware(req, res, () => {
        nextCalls += 1;
        res.writeHead(204).end();
      }),
    '/elsewhere',
  );
  t.equal((await withNext.send({ method: 'POST', headers, body: '{}' })).status, 204);
  t.equal(nextCalls, 1);
  const alone = await serve(t, middleware, '/elsewhere');
  const response = await alone.send({ method: 'GET' });
  t.equal(response.status, 404);
  t.equal(JSON.parse(response.body).error.code, 'not_found');
});

t.test('uses the Buffer, string or parsed value a body parser left on req.body', async (t) => {
  let handled = 0;
  const middleware = createNodeMiddleware({ apiKey: KEY, onAny: () => void (handled += 1) });
  const leaves: Record<string, (raw: Buffer) => unknown> = {
    buffer: (raw) => raw,
    string: (raw) => raw.toString('utf8'),
    parsed: (raw) => JSON.parse(raw.toString('utf8')),
  };
  for (const [kind, leave] of Object.entries(leaves)) {
    const adapter = await serve(t, async (req: WithBody, res: ServerResponse) => {
      req.body = leave(await drain(req));
      middleware(req, res);
    });
    const response = await adapter.send({ method: 'POST', headers, body: JSON.stringify(makePassEvent()) });
    t.equal(response.status, 200, `${kind}: ${response.body}`);
  }
  t.equal(handled, 3);
});

t.test('answers 500 body_unavailable at once when another listener drained the stream and left nothing', async (t) => {
  let handled = 0;
  const middleware = createNodeMiddleware({ apiKey: KEY, onAny: () => void (handled += 1) });
  const adapter = await serve(t, async (req, res) => {
    await drain(req);
    middleware(req, res);
  });
  const response = await adapter.send({ method: 'POST', headers, body: JSON.stringify(makePassEvent()) });
  t.equal(response.status, 500);
  t.equal(JSON.parse(response.body).error.code, 'body_unavailable');
  t.equal(handled, 0);
});

t.test('rejects a path that does not start with a slash, naming the option', async (t) => {
  t.throws(() => createNodeMiddleware({ apiKey: KEY, path: 'webhooks' }), { code: 'invalid_config', message: /^path:/ });
});

t.test('answers with an exact Content-Length, not chunked encoding (one write per answer)', async (t) => {
  const adapter = await serve(t, createNodeMiddleware({ apiKey: KEY }));
  for (const request of [{ method: 'POST', headers, body: JSON.stringify(makePassEvent()) }, { method: 'GET' }]) {
    const response = await adapter.send(request);
    t.equal(response.header('content-length'), String(Buffer.byteLength(response.body)), `${request.method} ${response.status}`);
    t.equal(response.header('transfer-encoding'), undefined);
  }
});

t.test('a drained body still answers 401 to a caller without the key: only an authentic delivery learns of body_unavailable', async (t) => {
  const middleware = createNodeMiddleware({ apiKey: KEY });
  const adapter = await serve(t, async (req, res) => {
    await drain(req);
    middleware(req, res);
  });
  const response = await adapter.send({ method: 'POST', headers: { ...headers, authorization: 'wrong' }, body: JSON.stringify(makePassEvent()) });
  t.equal(response.status, 401);
  t.equal(JSON.parse(response.body).error.code, 'unauthorized');
});
