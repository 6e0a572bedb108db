import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { pino } from 'pino';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { startReceiver } from '@passworks-webhooks/receiver';
import { API_KEY, WEBHOOK_PATH } from './helpers.js';

t.test('close() stops accepting, lets deliveries in flight commit and answer, then closes the database', async (t) => {
  const receiver = await startReceiver({ apiKeys: [API_KEY], databasePath: join(t.testdir(), 'graceful.db'), port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
  t.teardown(() => receiver.close());
  const bodies = Array.from({ length: 20 }, () => JSON.stringify(makePassEvent()));
  // Each request sends its headers and half its body, so all are in flight when close() starts.
  const pending = bodies.map((body) => {
    const req = request(`${receiver.url}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: API_KEY, 'content-length': Buffer.byteLength(body) } });
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
  t.same(await Promise.all(pending.map((p) => p.answer)), bodies.map(() => 200));
  await closed;
  t.equal(receiver.app.db.open, false, 'the database is closed');
});

t.test('the passworks-receiver command shuts down cleanly on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--conditions=@passworks-webhooks/source', '--import=tsx', join(import.meta.dirname, '..', 'src', 'bin.ts')], {
    env: { ...process.env, PASSWORKS_API_KEY: API_KEY, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(t.testdir(), 'sub', 'cli.db'), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 20 s: ${out}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  t.equal(code, 0);
  const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
  t.match(lines.map((l) => l.msg), ['passworks-receiver listening: POST /webhooks/passworks', 'the read API (/api) is disabled: set ADMIN_TOKEN (16+ characters) to enable it', 'shutting down: finishing deliveries in flight', 'stopped']);
  t.notOk(out.includes(API_KEY), 'the key is never logged');
});
