import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { API_KEY, WEBHOOK_PATH, listeningReceiver, waitFor } from '../helpers.js';
import { runCommand } from '../run-command.js';

t.test('close() stops accepting, lets deliveries in flight commit and answer, then closes the database', async (t) => {
  const receiver = await listeningReceiver(t);
  const bodies = Array.from({ length: 20 }, () => JSON.stringify(makePassEvent()));
  // Each request sends its headers and half its body, so all are in flight when close() starts.
  const pending = bodies.map((body) => {
    const req = request(`${receiver.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: API_KEY, 'content-length': Buffer.byteLength(body) },
    });
    req.write(body.slice(0, 100));
    const answer = new Promise<number>((resolve, reject) => req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
    return { req, body, answer };
  });
  const deadline = Date.now() + 5_000;
  while (receiver.app.inFlight < bodies.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(receiver.app.inFlight, 20);
  const closed = receiver.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(receiver.server.listening, false, 'no new connections once closing');
  for (const { req, body } of pending) req.end(body.slice(100));
  t.same(
    await Promise.all(pending.map((p) => p.answer)),
    bodies.map(() => 200),
  );
  await closed;
  t.equal(receiver.app.db.open, false, 'the database is closed');
});

/** Runs the `passworks-receiver` command (stdout a pipe: JSON lines); resolves once it logged its listening line. Killed at teardown if still alive. */
async function runReceiver(t: Test) {
  const command = runCommand(t, {
    PASSWORKS_API_KEY: API_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: join(t.testdir(), 'sub', 'cli.db'),
    LOG_LEVEL: 'info',
  });
  const [, port] = await command.waitFor(/"port":(\d+).*"msg":"passworks-receiver listening/);
  const lines = (): Array<{ msg: string }> =>
    command
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
  return { child: command.child, port: Number(port), closed: command.closed, stdout: command.stdout, lines };
}

t.test('the passworks-receiver command shuts down cleanly on SIGTERM', async (t) => {
  const { child, closed, stdout, lines } = await runReceiver(t);
  child.kill('SIGTERM');
  t.equal(await closed, 0);
  t.same(
    lines().map((l) => l.msg),
    ['passworks-receiver listening: POST /webhooks/passworks', 'shutting down: finishing deliveries in flight', 'stopped'],
  );
  t.notOk(stdout().includes(API_KEY), 'the key is never logged');
});

// Issue 8, item 13: pino's asynchronous destination had a write in flight at exit; flushSync skipped it and
// process.exit dropped it, so the last lines were lost or came out of order.
t.test('on SIGTERM the command writes every log line, in order, before it exits, even while stdout drains slowly', async (t) => {
  const { child, port, closed, lines } = await runReceiver(t);
  child.stdout.pause(); // the reader falls behind: the pipe fills and the receiver's writes wait
  const deliveries = 800;
  const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
  for (let sent = 0; sent < deliveries; sent += 20) {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: API_KEY },
          body: 'not json',
          signal: AbortSignal.timeout(10_000),
        }).then((res) => res.arrayBuffer()),
      ),
    );
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.stdout.resume();
  t.equal(await closed, 0);
  const messages = lines().map((l) => l.msg);
  t.equal(messages.filter((m) => m === 'delivery rejected').length, deliveries, 'every request line is there');
  t.same(messages.slice(-2), ['shutting down: finishing deliveries in flight', 'stopped'], 'the last lines come last');
});

/** Sends `head` and `body` on a new connection and resolves with the whole answer's text (the request asks to close). */
async function rawExchange(url: string, head: string, body: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  await new Promise((resolve, reject) => socket.on('close', resolve).on('error', reject));
  return Buffer.concat(chunks).toString('utf8');
}

t.test('two Authorization headers are refused whatever their order, and two Content-Types too; nothing is stored', async (t) => {
  const receiver = await listeningReceiver(t);
  const post = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1`;
  const json = 'Content-Type: application/json';
  const heads = [
    `${post}\r\n${json}\r\nAuthorization: ${API_KEY}\r\nAuthorization: not-the-key`,
    `${post}\r\n${json}\r\nAuthorization: not-the-key\r\nAuthorization: ${API_KEY}`,
    `${post}\r\n${json}\r\nAuthorization: ${API_KEY}\r\nAuthorization: ${API_KEY}`,
  ];
  for (const head of heads) {
    const answer = await rawExchange(receiver.url, head, JSON.stringify(makePassEvent()));
    t.match(answer, /^HTTP\/1\.1 401 /, 'two keys answer 401');
    t.match(answer, /"code":"unauthorized"/);
  }
  const twoTypes = await rawExchange(
    receiver.url,
    `${post}\r\n${json}\r\nContent-Type: text/plain\r\nAuthorization: ${API_KEY}`,
    JSON.stringify(makePassEvent()),
  );
  t.match(twoTypes, /^HTTP\/1\.1 415 /, 'two content types answer 415');
  const one = await rawExchange(receiver.url, `${post}\r\n${json}\r\nAuthorization: ${API_KEY}`, JSON.stringify(makePassEvent()));
  t.match(one, /^HTTP\/1\.1 200 /, 'one key is accepted');
  t.equal((await receiver.app.storage.stats({})).total, 1, 'only the request with one key stored its event');
});

t.test('an Expect other than 100-continue is served as if absent, in the JSON error shape when refused', async (t) => {
  const receiver = await listeningReceiver(t);
  const post = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: something-else`;
  const accepted = await rawExchange(receiver.url, `${post}\r\nAuthorization: ${API_KEY}`, JSON.stringify(makePassEvent()));
  t.match(accepted, /^HTTP\/1\.1 200 /, 'a delivery with an unknown expectation is stored and answered');
  const refused = await rawExchange(receiver.url, `${post}\r\nAuthorization: not-the-key`, JSON.stringify(makePassEvent()));
  t.match(refused, /^HTTP\/1\.1 401 /);
  t.match(refused, /"code":"unauthorized"/, 'refused in the JSON error shape, not a bare 417');
  t.equal((await receiver.app.storage.stats({})).total, 1);
});

t.test('an HTTP/1.1 request without Host and a CONNECT are answered in the JSON error shape and recorded, not refused bare or dropped', async (t) => {
  const receiver = await listeningReceiver(t);
  const noHost = await rawExchange(receiver.url, `POST ${WEBHOOK_PATH} HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: ${API_KEY}`, '{}');
  t.match(noHost, /^HTTP\/1\.1 400 /, 'a missing Host is 400 (RFC 9112 §3.2)');
  t.match(noHost, /"code":"malformed_request"/, 'in the JSON error shape, not Node bare 400');
  const connect = await rawExchange(receiver.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443', '');
  t.match(connect, /^HTTP\/1\.1 405 /, 'CONNECT is answered 405, not dropped');
  t.match(connect, /\r\nconnection: close\r\n/i);
  t.match(connect, /"code":"method_not_allowed"/);
  const http10 = await rawExchange(receiver.url, 'GET /healthz HTTP/1.0', '');
  t.match(http10, /^HTTP\/1\.1 200 /, 'HTTP/1.0 needs no Host');
  await waitFor(() => receiver.app.db.prepare('SELECT count(*) FROM rejections').pluck().get() === 2, 'both refusals to be recorded');
  t.same(receiver.app.db.prepare('SELECT status, code FROM rejections ORDER BY id').all(), [
    { status: 400, code: 'malformed_request' },
    { status: 405, code: 'method_not_allowed' },
  ]);
  t.equal((await receiver.app.storage.stats({})).total, 0, 'the delivery without Host stored nothing');
});
