import t from 'tap';
import { createMemoryStore, createWebhookHandler, type IdempotencyStore, type Logger, type PassEventOf, type WebhookResponse } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY, delivery, platformExample, sleep } from './helpers.js';

const errorOf = (response: WebhookResponse): { code: string; message: string; issues?: unknown[] } =>
  (JSON.parse(response.body) as { error: { code: string; message: string; issues?: unknown[] } }).error;

t.test('accepts the platform example byte for byte and calls its handler once with the typed event', async (t) => {
  const seen: PassEventOf<'installed'>[] = [];
  const webhooks = createWebhookHandler({ apiKey: KEY }).on('installed', (event) => void seen.push(event));
  const response = await webhooks.handle(delivery(platformExample));
  t.equal(response.status, 200);
  t.same(JSON.parse(response.body), { received: true, duplicate: false, event: 'installed' });
  t.equal(seen.length, 1);
  t.equal(seen[0]?.event_extra.device_app_vendor, 'passbook');
  t.equal(response.passId, seen[0]?.pass_id, "the answer names the event's pass for the caller's log line");
  t.notMatch(response.body, /pass_id/, 'the body does not');
});

t.test('every 200 answer (processed, duplicate by the store, duplicate by the handler, asynchronous handler) names its pass; a refusal does not', async (t) => {
  const passId = (JSON.parse(platformExample.toString('utf8')) as { pass_id: string }).pass_id;
  const store = createMemoryStore();
  const sync = createWebhookHandler({ apiKey: KEY, store }).onAny(() => undefined);
  t.equal((await sync.handle(delivery(platformExample))).passId, passId, 'processed');
  t.equal((await sync.handle(delivery(platformExample))).passId, passId, 'duplicate answered by the store');
  const reported = createWebhookHandler({ apiKey: KEY }).onAny((_event, { reportDuplicate }) => reportDuplicate());
  t.equal((await reported.handle(delivery(platformExample))).passId, passId, 'duplicate reported by the handler');
  const later = createWebhookHandler({ apiKey: KEY }).onAny(async () => sleep(1));
  t.equal((await later.handle(delivery(platformExample))).passId, passId, 'asynchronous handler');
  const refused = await createWebhookHandler({ apiKey: 'another-key' }).handle(delivery(platformExample));
  t.equal(refused.status, 401);
  t.equal(refused.passId, undefined);
});

t.test('a handler that reports a duplicate (its own transaction found the event) gets 200 duplicate: true, sync or async, and the key is done', async (t) => {
  for (const handler of [
    (_: unknown, { reportDuplicate }: { reportDuplicate(): void }) => reportDuplicate(),
    async (_: unknown, { reportDuplicate }: { reportDuplicate(): void }) => reportDuplicate(),
  ]) {
    const store = createMemoryStore();
    let calls = 0;
    const webhooks = createWebhookHandler({ apiKey: KEY, store }).onAny((event, context) => {
      calls += 1;
      return handler(event, context);
    });
    const first = await webhooks.handle(delivery(platformExample));
    t.equal(first.status, 200);
    t.same(JSON.parse(first.body), { received: true, duplicate: true, event: 'installed' });
    t.equal(first.outcome, 'duplicate');
    const again = await webhooks.handle(delivery(platformExample));
    t.same(JSON.parse(again.body), { received: true, duplicate: true, event: 'installed' }, 'the key was marked done');
    t.equal(calls, 1, 'the retry did not run the handler');
  }
});

t.test('step 1: answers 405 with Allow: POST to other methods', async (t) => {
  const response = await createWebhookHandler({ apiKey: KEY }).handle({ ...delivery(platformExample), method: 'PUT' });
  t.equal(response.status, 405);
  t.equal(response.headers.allow, 'POST');
  t.equal(errorOf(response).code, 'method_not_allowed');
});

t.test('step 2: answers 415 without a JSON content type, accepts +json types', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
    const response = await webhooks.handle(delivery(makePassEvent(), { 'content-type': type }));
    t.equal(errorOf(response).code, 'unsupported_media_type', type);
    t.equal(response.status, 415);
  }
  const { headers, ...rest } = delivery(makePassEvent());
  const missing = await webhooks.handle({ ...rest, headers: { authorization: KEY } });
  t.equal(missing.status, 415);
  t.equal((await webhooks.handle(delivery(makePassEvent(), { 'content-type': 'application/vnd.passworks+json' }))).status, 200);
  t.ok(headers);
});

t.test('step 3: answers 413 to bytes or text over the limit', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY, bodyLimitBytes: 512 });
  const big = JSON.stringify(makePassEvent({ metadata: { pad: 'é'.repeat(300) } }));
  t.equal(errorOf(await webhooks.handle(delivery(big))).code, 'payload_too_large');
  t.equal((await webhooks.handle(delivery(Buffer.from(big)))).status, 413);
});

t.test('step 4: answers 401 to a missing or wrong key before reading the body', async (t) => {
  let calls = 0;
  const webhooks = createWebhookHandler({ apiKey: [KEY, 'old-key'], onAny: () => void calls++ });
  const { authorization: _, ...noKey } = delivery('').headers as Record<string, string>;
  const missing = await webhooks.handle({ method: 'POST', headers: noKey, body: JSON.stringify(makePassEvent()) });
  t.equal(missing.status, 401);
  t.equal(errorOf(missing).code, 'unauthorized');
  t.equal((await webhooks.handle(delivery('not json', { authorization: 'nope' }))).status, 401, 'auth precedes parsing');
  t.equal((await webhooks.handle(delivery(makePassEvent(), { authorization: 'old-key' }))).status, 200, 'a rotated key still works');
  t.equal(calls, 1);
});

t.test('step 4: auth: false accepts deliveries without a key; no key at all fails at creation naming PASSWORKS_API_KEY', async (t) => {
  const saved = process.env.PASSWORKS_API_KEY;
  delete process.env.PASSWORKS_API_KEY;
  t.teardown(() => {
    if (saved !== undefined) process.env.PASSWORKS_API_KEY = saved;
  });
  t.throws(() => createWebhookHandler(), { code: 'invalid_config', message: /PASSWORKS_API_KEY/ });
  const open = createWebhookHandler({ auth: false });
  t.equal((await open.handle({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makePassEvent()) })).status, 200);
  process.env.PASSWORKS_API_KEY = 'env-key-1, env-key-2';
  const fromEnv = createWebhookHandler();
  t.equal((await fromEnv.handle(delivery(makePassEvent(), { authorization: 'env-key-2' }))).status, 200);
});

t.test('step 4: a failing key function answers 500 internal_error, not 401, so the platform retries', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: () => Promise.reject(new Error('vault down')) });
  const response = await webhooks.handle(delivery(makePassEvent()));
  t.equal(response.status, 500);
  t.equal(errorOf(response).code, 'internal_error');
});

t.test('step 5: answers 400 to malformed JSON, invalid UTF-8 and an empty body', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY });
  for (const body of ['{"event":', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), '', Buffer.alloc(0)]) {
    const response = await webhooks.handle(delivery(body));
    t.equal(response.status, 400);
    t.equal(errorOf(response).code, 'invalid_json');
  }
  t.equal((await webhooks.handle({ ...delivery(''), body: undefined })).status, 400);
});

t.test('step 5: answers 422 with issues to an invalid event, and legacy_payload to the 2016 shape', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY });
  const invalid = await webhooks.handle(delivery(makePassEvent({ campaign_id: 'x' })));
  t.equal(invalid.status, 422);
  t.same(errorOf(invalid).issues, [{ path: '$.campaign_id', message: 'expected the campaign (a UUID), got "x"' }]);
  const { event_at: at, ...legacy } = makePassEvent();
  const old = await webhooks.handle(delivery({ ...legacy, action_at: at }));
  t.equal(old.status, 422);
  t.equal(errorOf(old).code, 'legacy_payload');
});

t.test('step 5: takes an already parsed body (after a framework body parser)', async (t) => {
  const webhooks = createWebhookHandler({ apiKey: KEY });
  const response = await webhooks.handle({ ...delivery(''), body: makePassEvent() });
  t.equal(response.status, 200);
});

t.test('step 6: the three event_at spellings of one instant deduplicate against each other', async (t) => {
  let calls = 0;
  const webhooks = createWebhookHandler({ apiKey: KEY, onAny: () => void calls++ });
  const event = makePassEvent();
  const answers = [];
  for (const at of ['2016-08-10T11:30:06Z', '2016-08-10T11:30:06.000Z', '2016-08-10T11:30:06.000+00:00']) {
    answers.push(JSON.parse((await webhooks.handle(delivery({ ...event, event_at: at }))).body).duplicate);
  }
  t.same(answers, [false, true, true]);
  t.equal(calls, 1);
});

t.test('step 6: 100 concurrent deliveries of one event call the handler exactly once', async (t) => {
  let calls = 0;
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    onAny: async () => {
      calls++;
      await sleep(5);
    },
  });
  const body = JSON.stringify(makePassEvent());
  const responses = await Promise.all(Array.from({ length: 100 }, () => webhooks.handle(delivery(body))));
  t.equal(calls, 1);
  t.equal(responses.filter((r) => r.status === 200).length, 1);
  t.equal(responses.filter((r) => r.status === 409 && r.headers['retry-after'] === '5').length, 99);
});

t.test('step 6: a replaced key function decides what a duplicate is', async (t) => {
  let calls = 0;
  const webhooks = createWebhookHandler({ apiKey: KEY, idempotencyKey: (event) => event.pass_id, onAny: () => void calls++ });
  const event = makePassEvent();
  await webhooks.handle(delivery(event));
  const other = await webhooks.handle(delivery({ ...event, event: 'fetched', event_at: '2030-01-01T00:00:00Z' }));
  t.equal(JSON.parse(other.body).duplicate, true);
  t.equal(calls, 1);
});

t.test('a throwing idempotencyKey function answers 500 internal_error instead of making handle() reject', async (t) => {
  const reported: string[] = [];
  let calls = 0;
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    idempotencyKey: () => {
      throw new Error('no registration_id');
    },
    onAny: () => void calls++,
    onError: (error) => void reported.push(error.code),
  });
  const response = await webhooks.handle(delivery(makePassEvent()));
  t.equal(response.status, 500);
  t.equal(errorOf(response).code, 'internal_error');
  t.same(reported, ['internal_error']);
  t.equal(calls, 0);
});

t.test('step 7: per-name, any-event and unknown-event handlers each get what is theirs', async (t) => {
  const log: string[] = [];
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    on: { redeemed: [(e) => void log.push(`redeemed:${e.redeemed_count}`)], installed: () => void log.push('installed') },
    onAny: (e) => void log.push(`any:${e.event}`),
    onUnknown: (e) => void log.push(`unknown:${e.event}`),
  });
  await webhooks.handle(delivery(makePassEvent({ event: 'redeemed', redeemed_count: 1 })));
  await webhooks.handle(delivery(makePassEvent({ event: 'archived' })));
  await webhooks.handle(delivery(makePassEvent()));
  t.same(log, ['redeemed:1', 'any:redeemed', 'unknown:archived', 'installed', 'any:installed']);
});

t.test('step 7: a handler for an undocumented name fails at registration', async (t) => {
  t.throws(() => createWebhookHandler({ apiKey: KEY, on: { redeem: () => {} } as never }), { code: 'invalid_config', message: /redeem/ });
  t.throws(() => createWebhookHandler({ apiKey: KEY }).on('archived' as never, () => {}), { code: 'invalid_config' });
});

t.test(
  'step 7: a throwing handler answers 500 with a generic message (the cause goes to onError only), releases the key, and the retry is processed',
  async (t) => {
    let attempts = 0;
    const errors: string[] = [];
    const causes: unknown[] = [];
    const webhooks = createWebhookHandler({
      apiKey: KEY,
      onAny: () => {
        if (++attempts === 1) throw new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed: events.secret_column');
      },
      onError: (error) => {
        errors.push(error.code);
        causes.push((error.cause as Error).message);
      },
    });
    const event = makePassEvent();
    const failed = await webhooks.handle(delivery(event));
    t.equal(failed.status, 500);
    t.same(JSON.parse(failed.body), { error: { code: 'handler_failed', message: 'the installed handler failed' } });
    t.notMatch(failed.body, /SQLITE|secret_column/);
    t.same(causes, ['SQLITE_CONSTRAINT: UNIQUE constraint failed: events.secret_column']);
    const retry = await webhooks.handle(delivery(event));
    t.same(JSON.parse(retry.body), { received: true, duplicate: false, event: 'installed' });
    t.equal(attempts, 2);
    t.same(errors, ['handler_failed']);
  },
);

t.test('step 7: a handler past its budget answers 503 and aborts its signal; a retry after it finished is a duplicate', async (t) => {
  let finished = 0;
  let aborted = false;
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    handlerTimeoutMs: 20,
    onAny: async (_event, { signal }) => {
      await sleep(80);
      aborted = signal.aborted;
      finished++;
    },
  });
  const event = makePassEvent();
  const slow = await webhooks.handle(delivery(event));
  t.equal(slow.status, 503);
  t.equal(slow.headers['retry-after'], '5');
  t.equal(errorOf(slow).code, 'handler_timeout');
  t.equal((await webhooks.handle(delivery(event))).status, 409, 'still in flight');
  await sleep(120);
  const retry = await webhooks.handle(delivery(event));
  t.equal(retry.status, 200);
  t.equal(JSON.parse(retry.body).duplicate, true);
  t.equal(finished, 1);
  t.equal(aborted, true);
});

t.test('step 7: a handler that times out and then fails releases the key and reports the late failure', async (t) => {
  let attempts = 0;
  const errors: string[] = [];
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    handlerTimeoutMs: 20,
    onError: (error) => void errors.push(error.code),
    onAny: async () => {
      if (++attempts > 1) return;
      await sleep(60);
      throw new Error('late');
    },
  });
  const event = makePassEvent();
  t.equal((await webhooks.handle(delivery(event))).status, 503);
  await sleep(100);
  t.same(errors, ['handler_timeout', 'handler_failed']);
  t.same(JSON.parse((await webhooks.handle(delivery(event))).body).duplicate, false);
  t.equal(attempts, 2);
});

t.test('a failing store answers 503 store_unavailable and runs no handler', async (t) => {
  let calls = 0;
  const broken: IdempotencyStore = {
    claim: () => Promise.reject(new Error('disk full')),
    renew: () => Promise.resolve(true),
    complete: () => Promise.resolve(true),
    release: () => Promise.resolve(true),
  };
  const response = await createWebhookHandler({ apiKey: KEY, store: broken, onAny: () => void calls++ }).handle(delivery(makePassEvent()));
  t.equal(response.status, 503);
  t.equal(errorOf(response).code, 'store_unavailable');
  t.equal(calls, 0);
});

t.test('a store that cannot mark the key done answers 503, never 2xx, and releases the key', async (t) => {
  const memory = createMemoryStore();
  let failComplete = true;
  const store: IdempotencyStore = {
    claim: (key, options) => memory.claim(key, options),
    renew: (key, token, options) => memory.renew(key, token, options),
    complete: (key, token) => (failComplete ? Promise.reject(new Error('disk full')) : memory.complete(key, token)),
    release: (key, token) => memory.release(key, token),
  };
  let calls = 0;
  const webhooks = createWebhookHandler({ apiKey: KEY, store, onAny: () => void calls++ });
  const event = makePassEvent();
  const response = await webhooks.handle(delivery(event));
  t.equal(response.status, 503);
  t.equal(errorOf(response).code, 'store_unavailable');
  failComplete = false;
  t.equal(JSON.parse((await webhooks.handle(delivery(event))).body).duplicate, false, 'the retry runs the handler again');
  t.equal(calls, 2);
});

t.test('bad options are rejected at creation, naming the option', async (t) => {
  t.throws(() => createWebhookHandler({ apiKey: KEY, bodyLimitBytes: 0 }), { code: 'invalid_config', message: /bodyLimitBytes/ });
  t.throws(() => createWebhookHandler({ apiKey: KEY, handlerTimeoutMs: 10_000, leaseMs: 5_000 }), { code: 'invalid_config', message: /leaseMs/ });
  t.throws(() => createWebhookHandler({ apiKey: KEY, auth: 'no' as never }), { code: 'invalid_config', message: /auth/ });
  t.throws(() => createWebhookHandler({ apiKey: '' }), { code: 'invalid_config' });
});

t.test('a store, logger, key function or error hook of the wrong shape fails at creation, not on every request', async (t) => {
  t.throws(() => createWebhookHandler({ apiKey: KEY, store: {} as IdempotencyStore }), {
    code: 'invalid_config',
    message: /^store: .*missing claim, renew, complete, release/,
  });
  t.throws(() => createWebhookHandler({ apiKey: KEY, logger: { error: () => {} } as unknown as Logger }), {
    code: 'invalid_config',
    message: /^logger: .*missing debug, info, warn/,
  });
  t.throws(() => createWebhookHandler({ apiKey: KEY, idempotencyKey: 'pass_id' as never }), { code: 'invalid_config', message: /^idempotencyKey:/ });
  t.throws(() => createWebhookHandler({ apiKey: KEY, onError: true as never }), { code: 'invalid_config', message: /^onError:/ });
  t.throws(() => createWebhookHandler({ apiKey: KEY, retryAfterSeconds: 0.5 }), { code: 'invalid_config', message: /^retryAfterSeconds:/ });
});

t.test('the API key never reaches a log line, an error body or the handler object', async (t) => {
  const lines: string[] = [];
  const record = (fields: object, message: string): void => void lines.push(JSON.stringify({ ...fields, message }));
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    logger,
    onAny: () => {
      throw new Error('boom');
    },
  });
  const bodies = [
    (await webhooks.handle(delivery(makePassEvent()))).body,
    (await webhooks.handle(delivery(makePassEvent(), { authorization: `${KEY}x` }))).body,
    (await webhooks.handle(delivery('{'))).body,
  ];
  t.ok(lines.length >= 3, 'something was logged');
  t.notMatch([...lines, ...bodies, JSON.stringify(webhooks)].join('\n'), KEY);
});

t.test('synchronous and asynchronous handlers run in order, each once, and the answer waits for the async ones', async (t) => {
  const log: string[] = [];
  const webhooks = createWebhookHandler({
    apiKey: KEY,
    on: {
      installed: [
        () => void log.push('sync 1'),
        async () => {
          await sleep(10);
          log.push('async');
        },
        () => void log.push('sync 2'),
      ],
    },
    onAny: () => void log.push('any'),
  });
  const response = await webhooks.handle(delivery(makePassEvent()));
  t.equal(response.status, 200);
  t.same(log, ['sync 1', 'async', 'sync 2', 'any']);
});

t.test('a store that throws synchronously is store_unavailable too, and a sync complete failure releases the key', async (t) => {
  const throwing: IdempotencyStore = {
    claim: () => {
      throw new Error('disk gone');
    },
    renew: () => true,
    complete: () => true,
    release: () => true,
  };
  const claimFailed = await createWebhookHandler({ apiKey: KEY, store: throwing }).handle(delivery(makePassEvent()));
  t.equal(claimFailed.status, 503);
  t.equal(errorOf(claimFailed).code, 'store_unavailable');

  const memory = createMemoryStore();
  let released = 0;
  const store: IdempotencyStore = {
    claim: (key, options) => memory.claim(key, options),
    renew: (key, token, options) => memory.renew(key, token, options),
    complete: () => {
      throw new Error('disk full');
    },
    release: (key, token) => {
      released++;
      return memory.release(key, token);
    },
  };
  const event = makePassEvent();
  const failed = await createWebhookHandler({ apiKey: KEY, store }).handle(delivery(event));
  t.equal(failed.status, 503);
  t.equal(errorOf(failed).code, 'store_unavailable');
  t.equal(released, 1);
  t.equal(
    (await memory.claim(`${event.pass_id}:installed:2026-03-01T09:05:00.000Z`, { leaseMs: 1000 })).status,
    'claimed',
    'the key was released for the retry',
  );
});
