import { createServer, type RequestListener, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { answerClientError, createNodeMiddleware, DRAIN_LIMIT_BYTES } from '@passworks-webhooks/core/node';
import { headOf, makePassEvent, rawExchange } from '@passworks-webhooks/core/testing';

const KEY = 'serve-delivery-key';
const PATH = '/webhooks/passworks';
const JSON_TYPE = 'application/json';

/** A server like the receiver's: the middleware also serves checkContinue, and parser errors are answered in JSON. */
async function listen(t: Test, listener: RequestListener, options: ServerOptions = {}): Promise<number> {
  const server = createServer(options, listener);
  server.on('checkContinue', listener);
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.close();
    server.closeAllConnections();
  });
  return (server.address() as AddressInfo).port;
}

const codeOf = (body: string): unknown => (JSON.parse(body) as { error: { code: unknown } }).error.code;

t.test('refuses a wrong key, a non-JSON type and a coded body on the head alone, without waiting for a body that never comes', async (t) => {
  let handled = 0;
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY, onAny: () => void (handled += 1) }));
  const cases: [Record<string, string | number>, number, string][] = [
    [{ 'content-type': JSON_TYPE, authorization: 'wrong-key', 'content-length': 50_000 }, 401, 'unauthorized'],
    [{ 'content-type': 'text/plain', authorization: KEY, 'content-length': 50_000 }, 415, 'unsupported_media_type'],
    [{ 'content-type': JSON_TYPE, authorization: KEY, 'content-encoding': 'gzip', 'content-length': 50_000 }, 415, 'unsupported_media_type'],
    [{ 'content-type': JSON_TYPE, authorization: 'wrong-key', 'transfer-encoding': 'chunked' }, 401, 'unauthorized'],
  ];
  for (const [headers, status, code] of cases) {
    // Only the head is sent: an adapter that reads the body first never answers.
    const answer = await rawExchange(port, headOf(PATH, headers), { boundMs: 8_000, untilAnswer: true });
    t.equal(answer.silent, false, `${JSON.stringify(headers)} answered without its body`);
    t.equal(answer.status, status);
    t.equal(codeOf(answer.body), code);
    t.equal(answer.headers.connection, 'close');
  }
  t.equal(handled, 0);
});

t.test('answers 413 to a declared length over the limit, and 401 to a wrong key, instead of 100 Continue', async (t) => {
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY, bodyLimitBytes: 1024 }));
  const over = await rawExchange(port, headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, expect: '100-continue', 'content-length': 4096 }));
  t.same(over.statusLines, ['HTTP/1.1 413 Payload Too Large']);
  t.equal(codeOf(over.body), 'payload_too_large');
  const wrongKey = await rawExchange(
    port,
    headOf(PATH, { 'content-type': JSON_TYPE, authorization: 'wrong-key', expect: '100-continue', 'content-length': 100 }),
    { boundMs: 8_000, untilAnswer: true },
  );
  t.same(wrongKey.statusLines, ['HTTP/1.1 401 Unauthorized']);
  const body = Buffer.from(JSON.stringify(makePassEvent()));
  const accepted = await rawExchange(
    port,
    headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, expect: '100-continue', 'content-length': body.length, connection: 'close' }),
    { body, afterContinue: true },
  );
  t.same(accepted.statusLines, ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK'], 'a delivery that passes the head gets 100 Continue, then its answer');
});

t.test('an early answer drains the unread body and closes cleanly: the client writes it all and reads the whole answer, no reset', async (t) => {
  const small = await listen(t, createNodeMiddleware({ apiKey: KEY, bodyLimitBytes: 100 * 1024 }));
  const large = await listen(t, createNodeMiddleware({ apiKey: KEY, bodyLimitBytes: 1024 * 1024 }));
  const body = Buffer.alloc(200 * 1024, 0x20);
  const cases: [string, number, Record<string, string | number>, number][] = [
    ['declared length over the limit', small, { 'content-type': JSON_TYPE, authorization: KEY, 'content-length': body.length }, 413],
    ['wrong key', large, { 'content-type': JSON_TYPE, authorization: 'wrong-key', 'content-length': body.length }, 401],
    ['not JSON', large, { 'content-type': 'text/plain', authorization: KEY, 'content-length': body.length }, 415],
  ];
  for (const [name, port, headers, status] of cases) {
    for (let i = 0; i < 5; i += 1) {
      const answer = await rawExchange(port, headOf(PATH, headers), { body });
      t.equal(answer.broken, undefined, `${name} #${i}: the connection closed cleanly`);
      t.equal(answer.status, status, name);
      t.equal(Buffer.byteLength(answer.body), Number(answer.headers['content-length']), `${name}: the whole answer arrived`);
      t.equal(answer.headers.connection, 'close');
    }
  }
});

t.test('a chunked body growing past the limit gets 413, the rest drained within a bound', async (t) => {
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY, bodyLimitBytes: 16 * 1024 }));
  const chunk = Buffer.alloc(8 * 1024, 0x20);
  const framed = Buffer.concat([
    ...Array.from({ length: 8 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
    Buffer.from('0\r\n\r\n'),
  ]);
  const answer = await rawExchange(port, headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, 'transfer-encoding': 'chunked' }), { body: framed });
  t.equal(answer.broken, undefined);
  t.equal(answer.status, 413);
  t.equal(codeOf(answer.body), 'payload_too_large');
  t.ok(DRAIN_LIMIT_BYTES >= framed.length, 'this body is within the drain bound');
});

t.test('a gzip body, and a plain body labelled gzip, are 415 naming the accepted encoding', async (t) => {
  let handled = 0;
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY, onAny: () => void (handled += 1) }));
  const plain = Buffer.from(JSON.stringify(makePassEvent()));
  for (const body of [gzipSync(plain), plain]) {
    const answer = await rawExchange(
      port,
      headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, 'content-encoding': 'gzip', 'content-length': body.length }),
      { body },
    );
    t.equal(answer.status, 415);
    t.equal(codeOf(answer.body), 'unsupported_media_type');
    t.match(JSON.parse(answer.body).error.message, /accepted: identity/);
    t.equal(answer.headers['accept-encoding'], 'identity');
  }
  const identity = await rawExchange(
    port,
    headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, 'content-encoding': 'identity', 'content-length': plain.length, connection: 'close' }),
    { body: plain },
  );
  t.equal(identity.status, 200, 'identity is no coding');
  t.equal(handled, 1);
});

t.test('requests the HTTP parser refuses get our JSON error with Connection: close', async (t) => {
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY }));
  const base = `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n`;
  const cases: [string, string, number, string][] = [
    ['obs-fold', `${base}x-folded: a\r\n b\r\ncontent-length: 2\r\n\r\n{}`, 400, 'malformed_request'],
    ['conflicting lengths', `${base}content-length: 2\r\ncontent-length: 3\r\n\r\n{}`, 400, 'malformed_request'],
    ['length and chunked', `${base}content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'malformed_request'],
    ['headers over 16 KiB', `${base}x-big: ${'a'.repeat(20 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`, 431, 'headers_too_large'],
  ];
  for (const [name, raw, status, code] of cases) {
    const answer = await rawExchange(port, raw);
    t.equal(answer.status, status, name);
    t.equal(codeOf(answer.body), code, name);
    t.equal(answer.headers.connection, 'close', name);
    t.equal(answer.headers['content-type'], 'application/json; charset=utf-8', name);
  }
});

t.test('a body cut short by its client gets 400 malformed_request; one that stalls gets 408 once the request timeout passes', async (t) => {
  const port = await listen(t, createNodeMiddleware({ apiKey: KEY }), { requestTimeout: 1_000, headersTimeout: 1_000, connectionsCheckingInterval: 200 });
  const head = headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, 'content-length': 1000 });
  const cut = await rawExchange(port, head, { body: Buffer.from('{"event":'), end: true });
  t.equal(cut.status, 400);
  t.equal(codeOf(cut.body), 'malformed_request');
  const stalled = await rawExchange(port, head, { body: Buffer.from('{"event":'), boundMs: 40_000 });
  t.equal(stalled.status, 408);
  t.equal(codeOf(stalled.body), 'request_timeout');
});

t.test('serveDelivery with a pipeline made elsewhere (a wrapper) checks the key through its public checkHead and handle', async (t) => {
  const { createWebhookHandler } = await import('@passworks-webhooks/core');
  const { serveDelivery } = await import('@passworks-webhooks/core/node');
  const inner = createWebhookHandler({ apiKey: KEY, onAny: () => {} });
  const calls: string[] = [];
  const wrapper = {
    ...inner,
    checkHead: (request: Parameters<typeof inner.checkHead>[0]) => (calls.push('checkHead'), inner.checkHead(request)),
    handle: (request: Parameters<typeof inner.handle>[0]) => (calls.push('handle'), inner.handle(request)),
  };
  const port = await listen(t, (req, res) => void serveDelivery(wrapper, req, res));
  const body = Buffer.from(JSON.stringify(makePassEvent()));
  const accepted = await rawExchange(
    port,
    headOf(PATH, { 'content-type': JSON_TYPE, authorization: KEY, 'content-length': body.length, connection: 'close' }),
    { body },
  );
  t.same(accepted.statusLines, ['HTTP/1.1 200 OK']);
  t.same(calls, ['checkHead', 'handle']);
  const refused = await rawExchange(
    port,
    headOf(PATH, { 'content-type': JSON_TYPE, authorization: 'wrong-key', 'content-length': body.length, connection: 'close' }),
    { body },
  );
  t.same(refused.statusLines, ['HTTP/1.1 401 Unauthorized']);
});
