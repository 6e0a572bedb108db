import { setTimeout as delay } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { PassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { deliver, type Answer } from './fixtures/deliver.js';
import { openTestRedis } from './fixtures/open-test-redis.js';
import { startApp, type AppProcess } from './fixtures/start-app.js';

const redis = await openTestRedis();
if ('skip' in redis) {
  t.skip(redis.skip, () => undefined);
} else {
  t.teardown(() => redis.cleanup());
  const { url, client } = redis;

  const startApps = async (t: Test, count: number, env: Record<string, string>): Promise<AppProcess[]> => {
    const apps = await Promise.all(Array.from({ length: count }, () => startApp({ REDIS_URL: url, ...env })));
    t.teardown(() => Promise.all(apps.map((app) => app.kill())));
    return apps;
  };
  const runs = async (prefix: string, what: 'started' | 'handled', event: PassEvent): Promise<number> =>
    Number((await client.get(`${prefix}count:${what}:${event.pass_id}`)) ?? 0);
  /** Every app gets `copies` deliveries of `event` at once. */
  const wave = (apps: readonly AppProcess[], event: PassEvent, copies: number): Promise<Answer[]> =>
    Promise.all(apps.flatMap((app) => Array.from({ length: copies }, () => deliver(app.port, event))));
  const handledNow = (answer: Answer): boolean => answer.status === 200 && answer.duplicate === false;
  const waitingForTheHolder = (answer: Answer): boolean => answer.status === 409 && answer.code === 'in_flight' && answer.retryAfter === '5';

  t.test('three processes get every event three times each at once: every handler runs exactly once', async (t) => {
    const prefix = `${redis.prefix}three:`;
    const apps = await startApps(t, 3, { PREFIX: prefix });
    const events = Array.from({ length: 20 }, () => makePassEvent());
    const answers = await Promise.all(events.map((event) => wave(apps, event, 3)));
    for (const [index, event] of events.entries()) {
      const got = answers[index] as Answer[];
      t.equal(got.filter(handledNow).length, 1, 'one delivery of the nine handled the event');
      t.ok(
        got.every((answer) => handledNow(answer) || (answer.status === 200 && answer.duplicate === true) || waitingForTheHolder(answer)),
        'the others answered duplicate or in flight',
      );
      t.equal(await runs(prefix, 'started', event), 1, 'its handler started once');
      t.equal(await runs(prefix, 'handled', event), 1, 'and finished once');
    }
    const later = await Promise.all(events.map((event) => wave(apps, event, 1)));
    t.ok(
      later.flat().every((answer) => answer.status === 200 && answer.duplicate === true),
      'every later copy at every process is a duplicate',
    );
  });

  t.test('a process SIGKILLed mid-handler: its claim expires, then the event is handled exactly once', async (t) => {
    const prefix = `${redis.prefix}kill:`;
    const lease = { LEASE_MS: '1000', HANDLER_TIMEOUT_MS: '500' };
    const [hung] = (await startApps(t, 1, { PREFIX: prefix, HANG: '1', ...lease })) as [AppProcess];
    const others = await startApps(t, 2, { PREFIX: prefix, ...lease });
    const event = makePassEvent();
    const started = hung.nextStarted();
    const first = deliver(hung.port, event).then(
      (answer) => answer.status,
      () => 'no answer',
    );
    t.equal(await started, event.pass_id);
    await hung.kill();
    t.equal(await first, 'no answer', 'the killed process never answered');

    // The platform retries: copies at both other processes, three at a time each, until one is handled.
    const waves: Answer[][] = [];
    for (let round = 0; round < 100 && !waves.flat().some(handledNow); round++) {
      if (round > 0) await delay(100);
      waves.push(await wave(others, event, 3));
    }
    const answers = waves.flat();
    const last = waves.at(-1) ?? [];
    t.ok(last.some(handledNow), 'a retry handled the event once the lease ran out');
    t.ok(waves.slice(0, -1).flat().every(waitingForTheHolder), 'until then every copy answered 409 in_flight with Retry-After');
    // The six copies of that wave run at once: each of the others came while it ran (409) or after it ended (a duplicate).
    t.ok(
      last.every((answer) => handledNow(answer) || waitingForTheHolder(answer) || (answer.status === 200 && answer.duplicate === true)),
      'the copies beside it answered in flight or duplicate',
    );
    t.equal(answers.filter(handledNow).length, 1, 'one copy handled it');
    t.equal(await runs(prefix, 'started', event), 2, 'the killed run and one more');
    t.equal(await runs(prefix, 'handled', event), 1, 'handled to the end exactly once');
    const later = await wave(others, event, 2);
    t.ok(
      later.every((answer) => answer.status === 200 && answer.duplicate === true),
      'later copies are duplicates',
    );
  });
}
