import t from 'tap';
import { headOf, makePassEvent, rawExchange } from '@passworks-webhooks/core/testing';
import type { RunningReceiver, StartReceiverOptions } from '@passworks-webhooks/receiver';
import { API_KEY, WEBHOOK_PATH, listeningReceiver } from '../helpers.js';

interface RejectionRow {
  status: number;
  code: string;
  client_address: string | null;
  body_bytes: number;
}

/** The rejection rows, once `count` are committed (rejections are recorded after the answer). */
async function rejections(receiver: RunningReceiver, count: number): Promise<RejectionRow[]> {
  const read = (): RejectionRow[] =>
    receiver.app.db.prepare('SELECT status, code, client_address, body_bytes FROM rejections ORDER BY id').all() as RejectionRow[];
  for (let tries = 0; tries < 200 && read().length < count; tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  return read();
}

const JSON_HEADERS = { 'content-type': 'application/json', authorization: API_KEY };
const codeOf = (body: string): unknown => (JSON.parse(body) as { error: { code: unknown } }).error.code;

t.test('Expect: 100-continue with a Content-Length over BODY_LIMIT is answered 413, never 100 Continue', async (t) => {
  const receiver = await listeningReceiver(t, { bodyLimitBytes: 1024 });
  const answer = await rawExchange(receiver.port, headOf(WEBHOOK_PATH, { ...JSON_HEADERS, expect: '100-continue', 'content-length': 50_000 }));
  t.same(answer.statusLines, ['HTTP/1.1 413 Payload Too Large']);
  t.equal(codeOf(answer.body), 'payload_too_large');
  t.match(await rejections(receiver, 1), [{ status: 413, code: 'payload_too_large', client_address: '127.0.0.1' }]);
});

t.test('requests the HTTP parser refuses are answered in JSON and recorded as rejections with the client address', async (t) => {
  const receiver = await listeningReceiver(t);
  const base = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n`;
  const cases: [string, number, string][] = [
    [`${base}x-folded: a\r\n b\r\ncontent-length: 2\r\n\r\n{}`, 400, 'malformed_request'],
    [`${base}content-length: 2\r\ncontent-length: 3\r\n\r\n{}`, 400, 'malformed_request'],
    [`${base}x-big: ${'a'.repeat(20 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`, 431, 'headers_too_large'],
  ];
  for (const [raw, status, code] of cases) {
    const answer = await rawExchange(receiver.port, raw);
    t.equal(answer.status, status);
    t.equal(codeOf(answer.body), code);
    t.equal(answer.headers.connection, 'close');
  }
  t.match(
    await rejections(receiver, 3),
    cases.map(([, status, code]) => ({ status, code, client_address: '127.0.0.1', body_bytes: 0 })),
  );
});

t.test('a body cut short is recorded with the client address and the bytes that arrived', async (t) => {
  const receiver = await listeningReceiver(t);
  const partial = Buffer.from(JSON.stringify(makePassEvent()).slice(0, 150));
  const answer = await rawExchange(receiver.port, headOf(WEBHOOK_PATH, { ...JSON_HEADERS, 'content-length': 1000 }), { body: partial, end: true });
  t.equal(answer.status, 400);
  t.equal(codeOf(answer.body), 'malformed_request');
  t.match(await rejections(receiver, 1), [{ status: 400, code: 'malformed_request', client_address: '127.0.0.1', body_bytes: 150 }]);
  t.equal(receiver.app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});

t.test('a stalled body gets 408 after REQUEST_TIMEOUT_MS, not Node 300 s, and is recorded', async (t) => {
  const receiver = await listeningReceiver(t, { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 });
  const answer = await rawExchange(receiver.port, headOf(WEBHOOK_PATH, { ...JSON_HEADERS, 'content-length': 1000 }), {
    body: Buffer.from('{"event":'),
    boundMs: 20_000,
  });
  t.equal(answer.status, 408);
  t.equal(codeOf(answer.body), 'request_timeout');
  t.match(await rejections(receiver, 1), [{ status: 408, code: 'request_timeout', client_address: '127.0.0.1', body_bytes: 9 }]);
});

t.test('X-Forwarded-For is ignored by default and believed as far as TRUST_PROXY says', async (t) => {
  const settings: [StartReceiverOptions['trustProxy'], string][] = [
    [undefined, '127.0.0.1'],
    [false, '127.0.0.1'],
    [1, '10.1.2.3'],
    [2, '203.0.113.9'],
    [['127.0.0.1/8', '10.0.0.0/8'], '203.0.113.9'],
    [['127.0.0.1', '10.0.0.0/8', '203.0.113.0/24'], '198.51.100.4'],
  ];
  for (const [trustProxy, expected] of settings) {
    const receiver = await listeningReceiver(t, trustProxy === undefined ? {} : { trustProxy });
    const answer = await rawExchange(
      receiver.port,
      headOf(WEBHOOK_PATH, {
        ...JSON_HEADERS,
        authorization: 'wrong-key',
        'x-forwarded-for': '198.51.100.4, 203.0.113.9, 10.1.2.3',
        'content-length': 2,
        connection: 'close',
      }),
      { body: Buffer.from('{}') },
    );
    t.equal(answer.status, 401);
    t.match(await rejections(receiver, 1), [{ status: 401, client_address: expected }], `trustProxy ${JSON.stringify(trustProxy)}`);
    await receiver.close();
  }
});
