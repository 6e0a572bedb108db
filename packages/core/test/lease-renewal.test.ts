import t from 'tap';
import { PassworksWebhookError, createMemoryStore, createWebhookHandler, type IdempotencyStore } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY, delivery, sleep } from './helpers.js';

t.test('a handler running past its budget and its lease keeps its claim: a retry meanwhile is 409 and the handler runs once', async (t) => {
  let runs = 0;
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    handlerTimeoutMs: 10,
    leaseMs: 600,
    onAny: async () => {
      runs += 1;
      await finished;
    },
  });
  const event = makePassEvent();
  t.equal((await webhooks.handle(delivery(event))).code, 'handler_timeout');
  await sleep(2_000); // three leases later, the handler still running
  const retry = await webhooks.handle(delivery(event));
  t.equal(retry.status, 409);
  t.equal(retry.code, 'in_flight');
  finish();
  await sleep(50);
  t.equal(JSON.parse((await webhooks.handle(delivery(event))).body).duplicate, true);
  t.equal(runs, 1);
});

t.test('a claim the store will not renew is reported once through onError as lease_lost', async (t) => {
  const memory = createMemoryStore();
  const store: IdempotencyStore = { ...memory, claim: memory.claim, renew: () => false, complete: memory.complete, release: memory.release };
  const reported: PassworksWebhookError[] = [];
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    store,
    handlerTimeoutMs: 10,
    leaseMs: 30,
    onError: (error) => void reported.push(error),
    onAny: () => sleep(100),
  });
  t.equal((await webhooks.handle(delivery(makePassEvent()))).status, 503);
  await sleep(150);
  t.same(
    reported.map((error) => error.code),
    ['handler_timeout', 'lease_lost'],
  );
  t.equal(reported[1]?.status, undefined, 'never sent to a client');
});

t.test('a complete that finds another holder is reported as lease_lost, not silently dropped', async (t) => {
  const memory = createMemoryStore();
  const store: IdempotencyStore = { claim: memory.claim, renew: memory.renew, complete: () => Promise.resolve(false), release: memory.release };
  const reported: string[] = [];
  const webhooks = createWebhookHandler({ apiKey: KEY, store, onError: (error) => void reported.push(error.code), onAny: async () => {} });
  t.equal((await webhooks.handle(delivery(makePassEvent()))).status, 200, 'the handlers did succeed');
  t.same(reported, ['lease_lost']);
});

t.test('ctx.signal first read after the budget ran out is aborted, with the timeout as its reason', async (t) => {
  let aborted: boolean | undefined;
  let reason: unknown;
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    handlerTimeoutMs: 10,
    onAny: async (_event, context) => {
      await sleep(50);
      aborted = context.signal.aborted;
      reason = context.signal.reason;
    },
  });
  t.equal((await webhooks.handle(delivery(makePassEvent()))).status, 503);
  await sleep(80);
  t.equal(aborted, true);
  t.match(reason, { code: 'handler_timeout' });
});

t.test('the start-up error for a lease not longer than the budget says what the lease is for', async (t) => {
  t.throws(() => createWebhookHandler({ apiKey: KEY, handlerTimeoutMs: 5_000, leaseMs: 5_000 }), {
    code: 'invalid_config',
    message: /^leaseMs \(5000\) must be longer than handlerTimeoutMs \(5000\): .*renews it/,
  });
});

t.test('a store without renew is refused at creation', async (t) => {
  const { renew: _renew, ...old } = createMemoryStore();
  t.throws(() => createWebhookHandler({ apiKey: KEY, store: old as unknown as IdempotencyStore }), { code: 'invalid_config', message: /missing renew/ });
});
