import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { startReceiver } from '@passworks-webhooks/receiver';
import { API_KEY, WEBHOOK_PATH } from './helpers.js';

// Issue 8, item 14: an early answer (413, 401) must reach the platform through a proxy,
// not become the proxy's 502 because we reset the connection while it was still sending the body.
const nginx = spawnSync('nginx', ['-v'], { stdio: 'ignore' }).error === undefined;
const skip = nginx || process.env.CI === 'true' ? false : 'nginx not found: apt-get install nginx to run this test (it always runs with CI=true)';

const ROUNDS = 20;
const BODY_LIMIT = 100 * 1024;

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepting(port: number, child: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 100; tries += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true))).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx is not accepting on 127.0.0.1:${port}`);
}

/**
 * An nginx of this test only (its config, pid, logs and temp files in the test dir) proxying
 * `/<name>/` to each upstream port as nginx does by default (the whole body buffered, then sent
 * over HTTP/1.0), and `/<name>-streamed/` with the body streamed as it arrives over HTTP/1.1.
 */
async function startNginx(t: Test, upstreams: Record<string, number>): Promise<number> {
  const dir = t.testdir();
  const port = await freePort();
  const locations = Object.entries(upstreams).flatMap(([name, upstream]) => [
    `location /${name}/ { proxy_pass http://127.0.0.1:${upstream}/; }`,
    `location /${name}-streamed/ { proxy_pass http://127.0.0.1:${upstream}/; proxy_request_buffering off; proxy_http_version 1.1; }`,
  ]);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${join(dir, name)};`);
  const config = `daemon off; master_process off; worker_processes 1; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http { access_log off; ${temp.join(' ')} client_max_body_size 1m;
  server { listen 127.0.0.1:${port}; ${locations.join(' ')} } }
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  await accepting(port, child);
  return port;
}

t.test('behind nginx, every 413 and 401 reaches the client as our JSON answer, never a 502', { skip }, async (t) => {
  const receiver = await startReceiver({ apiKeys: [API_KEY], databasePath: join(t.testdir(), 'receiver.db'), port: 0, host: '127.0.0.1', bodyLimitBytes: BODY_LIMIT, logger: pino({ level: 'silent' }) });
  t.teardown(() => receiver.close());
  const app = express().use(passworksWebhooks({ apiKey: API_KEY, bodyLimitBytes: BODY_LIMIT }));
  const expressServer = app.listen(0, '127.0.0.1');
  t.teardown(() => new Promise((resolve) => {
    expressServer.close(resolve);
    expressServer.closeAllConnections();
  }));
  await new Promise((resolve) => expressServer.once('listening', resolve));
  const proxy = await startNginx(t, { receiver: receiver.port, express: (expressServer.address() as AddressInfo).port });

  // 900 KB: under nginx's default client_max_body_size (1m), and more than the loopback socket buffers
  // swallow here, so a reset while nginx still writes is seen (main before the fix: 502s in every run).
  const oversized = JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(900 * 1024) } }));
  const withinLimit = JSON.stringify(makePassEvent({ metadata: { padding: 'x'.repeat(50 * 1024) } }));
  const cases: [string, string, string, number, string][] = [
    ['over the limit', oversized, API_KEY, 413, 'payload_too_large'],
    ['wrong key', withinLimit, 'wrong-key', 401, 'unauthorized'],
  ];
  for (const upstream of ['receiver', 'receiver-streamed', 'express', 'express-streamed']) {
    for (const [name, body, authorization, status, code] of cases) {
      const answers: string[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const response = await fetch(`http://127.0.0.1:${proxy}/${upstream}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
        const text = await response.text();
        let answered = String(response.status);
        try {
          answered = `${response.status} ${String((JSON.parse(text) as { error: { code: string } }).error.code)}`;
        } catch {
          // nginx's own HTML error page: the status says it all
        }
        answers.push(answered);
      }
      t.same(answers, Array.from({ length: ROUNDS }, () => `${status} ${code}`), `${upstream}, ${name}: ${ROUNDS} of ${ROUNDS} answers are ours`);
    }
  }
});
