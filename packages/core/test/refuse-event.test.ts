import t from 'tap';
import { createMemoryStore, createWebhookHandler, refuseEvent, type IdempotencyStore, type WebhookResponse } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY, delivery, sleep } from './helpers.js';

const errorOf = (response: WebhookResponse): { code: string; message: string } =>
  (JSON.parse(response.body) as { error: { code: string; message: string } }).error;

t.test('a refused event is 422 event_refused by default; the retry gets the same answer, the handler ran once, onError heard nothing', async (t) => {
  let attempts = 0;
  const errors: string[] = [];
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    onError: (error) => void errors.push(error.code),
    on: {
      redeemed: async () => {
        attempts += 1;
        throw refuseEvent('redeemed_count went backwards', { cause: new Error('row 7 has 3') });
      },
    },
  });
  const event = makePassEvent({ event: 'redeemed' });
  const answers = [await webhooks.handle(delivery(event)), await webhooks.handle(delivery(event))];
  for (const answer of answers) {
    t.equal(answer.status, 422);
    t.same(JSON.parse(answer.body), { error: { code: 'event_refused', message: 'redeemed_count went backwards' } });
    t.equal(answer.outcome, 'rejected');
  }
  t.equal(attempts, 1);
  t.same(errors, []);
});

t.test('the refusal is remembered by the store: another pipeline on the same store answers it too', async (t) => {
  const store = createMemoryStore();
  const event = makePassEvent();
  const first = createWebhookHandler({
    apiKey: KEY,
    store,
    onAny: () => {
      throw refuseEvent('gone', { status: 410 });
    },
  });
  t.equal((await first.handle(delivery(event))).status, 410);
  let ran = 0;
  const second = createWebhookHandler({ apiKey: KEY, store, onAny: () => void ran++ });
  const retry = await second.handle(delivery(event));
  t.equal(retry.status, 410);
  t.equal(errorOf(retry).code, 'event_refused');
  t.equal(ran, 0);
});

t.test('a refusal the store cannot record is 503 store_unavailable and the key is released', async (t) => {
  const memory = createMemoryStore();
  let failing = true;
  const store: IdempotencyStore = {
    claim: (key, options) => memory.claim(key, options),
    renew: (key, token, options) => memory.renew(key, token, options),
    complete: (key, token, outcome) => (failing ? Promise.reject(new Error('SQLITE_FULL')) : memory.complete(key, token, outcome)),
    release: (key, token) => memory.release(key, token),
  };
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    store,
    onAny: () => {
      throw refuseEvent('no');
    },
  });
  const event = makePassEvent();
  const failed = await webhooks.handle(delivery(event));
  t.equal(failed.status, 503);
  t.equal(errorOf(failed).code, 'store_unavailable');
  t.equal(failed.headers['retry-after'], '5');
  failing = false;
  t.equal((await webhooks.handle(delivery(event))).status, 422, 'the retry ran the handler and its refusal was stored');
});

t.test('a refusal that comes after the budget ran out is stored, and the retry gets it', async (t) => {
  let attempts = 0;
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    handlerTimeoutMs: 10,
    onAny: async () => {
      attempts += 1;
      await sleep(40);
      throw refuseEvent('too late but final');
    },
  });
  const event = makePassEvent();
  t.equal((await webhooks.handle(delivery(event))).status, 503);
  await sleep(80);
  const retry = await webhooks.handle(delivery(event));
  t.equal(retry.status, 422);
  t.equal(errorOf(retry).message, 'too late but final');
  t.equal(attempts, 1);
});

t.test('refuseEvent takes a 4xx that means "final", nothing else', async (t) => {
  t.equal(refuseEvent('x').status, 422);
  t.equal(refuseEvent('x', { status: 400 }).code, 'event_refused');
  for (const status of [200, 408, 409, 429, 500, 422.5])
    t.throws(() => refuseEvent('x', { status }), { code: 'invalid_config', message: /status/ }, String(status));
  t.throws(() => refuseEvent(''), { code: 'invalid_config' });
});
