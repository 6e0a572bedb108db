import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { headOf, makePassEvent, rawExchange } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/fastify';
import { KEY, listenFastify } from './fixtures/listen-fastify.js';

const PATH = '/webhooks/passworks';
const LIMIT_BYTES = 2048;

/** A raw request: its head's headers and body bytes. */
interface RawCase {
  readonly name: string;
  /** What both answer. */
  readonly status: number;
  readonly method?: string;
  readonly headers: Record<string, string | number>;
  readonly body?: string;
}

const json = (body: string, headers: Record<string, string | number> = {}): Omit<RawCase, 'name' | 'status'> => ({
  headers: { 'content-type': 'application/json; charset=utf-8', authorization: KEY, 'content-length': Buffer.byteLength(body), ...headers },
  body,
});
const event = JSON.stringify(makePassEvent());
const big = JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(4 * LIMIT_BYTES) } }));
const chunked = (body: string): string => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

const CASES: readonly RawCase[] = [
  { name: 'a valid event', status: 200, ...json(event) },
  { name: 'the same event again (duplicate)', status: 200, ...json(event) },
  { name: 'a wrong key', status: 401, ...json(JSON.stringify(makePassEvent()), { authorization: `${KEY}x` }) },
  { name: 'no key', status: 401, ...json(JSON.stringify(makePassEvent()), { authorization: '' }) },
  { name: 'GET', status: 405, method: 'GET', headers: { authorization: KEY } },
  { name: 'text/plain', status: 415, ...json(event, { 'content-type': 'text/plain' }) },
  { name: 'a content type Fastify cannot parse', status: 415, ...json(event, { 'content-type': 'text' }) },
  { name: 'no content type', status: 415, ...json(event, { 'content-type': '' }) },
  { name: 'gzip coding', status: 415, ...json(event, { 'content-encoding': 'gzip' }) },
  { name: 'a declared length over the limit', status: 413, ...json(big) },
  {
    name: 'a chunked body over the limit',
    status: 413,
    headers: { 'content-type': 'application/json', authorization: KEY, 'transfer-encoding': 'chunked' },
    body: chunked(big),
  },
  { name: 'malformed JSON', status: 400, ...json('{"event": "installed",') },
  { name: 'an empty body', status: 400, ...json('') },
  { name: 'an invalid event', status: 422, ...json(JSON.stringify(makePassEvent({ pass_id: 'nope' }))) },
  { name: 'the 2016 shape', status: 422, ...json(JSON.stringify({ ...makePassEvent(), event_at: undefined, action_at: '2026-03-01T09:00:00Z' })) },
  { name: 'an unknown event name', status: 200, ...json(JSON.stringify(makePassEvent({ event: 'archived' }))) },
];

/** The answer as sent, with the Date header (the clock) taken out. */
const asSent = (text: string): string => text.replace(/\r\ndate: [^\r]*/i, '');

t.test("every answer is byte for byte the node adapter's: status line, headers in order, body", async (t) => {
  // Fastify's keep-alive timeout is 72 s and Node's 5 s; the same value makes the Keep-Alive header a server setting, not ours.
  const fastify = await listenFastify(t, (app) => app.register(passworksWebhooks({ apiKey: KEY, bodyLimitBytes: LIMIT_BYTES })), { keepAliveTimeout: 5_000 });
  const node = createServer(createNodeMiddleware({ apiKey: KEY, bodyLimitBytes: LIMIT_BYTES }));
  t.teardown(() => {
    node.close();
    node.closeAllConnections();
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const nodePort = (node.address() as AddressInfo).port;

  for (const { name, status, method = 'POST', headers, body } of CASES) {
    const head = headOf(PATH, Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== '')), method);
    const options = { ...(body === undefined ? {} : { body: Buffer.from(body) }), untilAnswer: true };
    const [fromFastify, fromNode] = await Promise.all([rawExchange(fastify.port, head, options), rawExchange(nodePort, head, options)]);
    t.equal(fromNode.status, status, `${name}: the node adapter answers ${status}`);
    t.equal(asSent(fromFastify.text), asSent(fromNode.text), `${name}: ${fromNode.statusLines.join(', ')}`);
  }
});
