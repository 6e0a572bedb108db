import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { passworksWebhooks } from '@passworks-webhooks/express';
import { createRedisStore } from '@passworks-webhooks/redis';
import { API_KEY, deliver, type Answer } from './fixtures/deliver.js';
import { ownRedisServer } from './fixtures/own-redis-server.js';

const hasRedisServer = ((): boolean => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const unavailable = (answer: Answer): boolean => answer.status === 503 && answer.code === 'store_unavailable' && answer.retryAfter === '5';

if (!hasRedisServer && process.env.CI !== 'true') {
  t.plan(0, 'Redis outage tests skipped: no redis-server on the PATH; install it with `bash .ci/setup/redis.sh`; with CI=true this is a failure');
} else {
  t.test(
    'Redis killed: only 503 store_unavailable with Retry-After and no handler call; after its restart the same app answers again, done marks kept',
    async (t) => {
      const server = await ownRedisServer(t.testdir());
      await server.start();
      t.teardown(() => server.kill());
      const store = createRedisStore({ url: `redis://127.0.0.1:${server.port}`, prefix: 'outage:', connectTimeoutMs: 500, commandTimeoutMs: 500 });
      t.teardown(() => store.close());
      const calls = new Map<string, number>();
      const app = express();
      app.use(
        passworksWebhooks({ apiKey: API_KEY, store }).onAny((event) => {
          calls.set(event.pass_id, (calls.get(event.pass_id) ?? 0) + 1);
        }),
      );
      const http = app.listen(0, '127.0.0.1');
      await once(http, 'listening');
      t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
      const { port } = http.address() as AddressInfo;
      const before = makePassEvent();
      const during = makePassEvent();

      t.match(await deliver(port, before), { status: 200, duplicate: false });
      await server.kill();
      const down = await Promise.all([before, during, before, during, during].map((event) => deliver(port, event)));
      t.ok(down.every(unavailable), 'every copy answered 503 store_unavailable with Retry-After');
      t.equal(calls.get(during.pass_id), undefined, 'no handler ran while Redis was down');
      t.equal(calls.get(before.pass_id), 1);

      await server.start();
      // The platform's retries, until the store's client has reconnected by itself (it backs off to 2 s).
      const retries: Answer[] = [];
      for (let attempt = 0; attempt < 100 && !retries.some((answer) => answer.status === 200); attempt++) {
        if (attempt > 0) await delay(100);
        retries.push(await deliver(port, during));
      }
      t.match(retries.at(-1), { status: 200, duplicate: false }, 'a retry was handled once Redis was back, without a restart of the app');
      t.ok(retries.slice(0, -1).every(unavailable), 'the retries before it answered 503 store_unavailable');
      t.equal(calls.get(during.pass_id), 1);
      t.match(await deliver(port, before), { status: 200, duplicate: true }, 'the done mark from before the crash survived it (append-only file)');
      t.equal(calls.get(before.pass_id), 1);
    },
  );

  t.test('a port with nothing listening: 503 store_unavailable with Retry-After, the handler never called', async (t) => {
    const server = await ownRedisServer(t.testdir());
    const store = createRedisStore({ url: `redis://127.0.0.1:${server.port}`, connectTimeoutMs: 300, commandTimeoutMs: 300 });
    t.teardown(() => store.close());
    let calls = 0;
    const app = express();
    app.use(passworksWebhooks({ apiKey: API_KEY, store }).onAny(() => void calls++));
    const http = app.listen(0, '127.0.0.1');
    await once(http, 'listening');
    t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const { port } = http.address() as AddressInfo;
    const event = makePassEvent();
    const answers = await Promise.all([event, event, makePassEvent()].map((copy) => deliver(port, copy)));
    t.ok(answers.every(unavailable), 'every delivery answered 503 store_unavailable with Retry-After');
    t.equal(calls, 0);
  });
}
