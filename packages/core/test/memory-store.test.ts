import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { createMemoryStore } from '@passworks-webhooks/core';
import { storeConformance } from '@passworks-webhooks/core/testing';
import { createEntryMemoryStore } from './fixtures/entry-memory-store.js';

storeConformance({
  test: (name, fn) => t.test(name, fn),
  createStore: ({ now, doneTtlMs }) => createMemoryStore({ now, doneTtlMs }),
});

t.test('evicts the oldest done keys, never a claim in flight, when full', async (t) => {
  const store = createMemoryStore({ maxKeys: 3 });
  const held = await store.claim('held', { leaseMs: 60_000 });
  for (const key of ['a', 'b', 'c']) {
    const claim = await store.claim(key, { leaseMs: 60_000 });
    if (claim.status === 'claimed') await store.complete(key, claim.token);
  }
  t.equal(held.status, 'claimed');
  t.same(await store.claim('held', { leaseMs: 60_000 }), { status: 'in_flight' });
  t.same(await store.claim('c', { leaseMs: 60_000 }), { status: 'done' });
  t.equal((await store.claim('a', { leaseMs: 60_000 })).status, 'claimed', 'the oldest done key was evicted');
});

t.test('rejects a maxKeys that is not a positive integer, naming it', async (t) => {
  t.throws(() => createMemoryStore({ maxKeys: 0 }), { code: 'invalid_config', message: /maxKeys/ });
  t.throws(() => createMemoryStore({ doneTtlMs: -5 }), { code: 'invalid_config', message: /doneTtlMs/ });
});

t.test('a full store evicts one done key per new key, oldest done first', async (t) => {
  const store = createMemoryStore({ maxKeys: 100 });
  for (let i = 0; i < 100; i++) {
    const claim = store.claim(`k${i}`, { leaseMs: 60_000 });
    if ('token' in claim) store.complete(`k${i}`, claim.token);
  }
  store.claim('new', { leaseMs: 60_000 });
  const state = (key: string) => (store.claim(key, { leaseMs: 60_000 }) as { status: string }).status;
  t.equal(state('k1'), 'done', 'the second oldest is kept');
  t.equal(state('k99'), 'done');
  t.equal(state('k0'), 'claimed', 'the oldest went');
});

t.test('evicts in the order keys were done, not claimed', async (t) => {
  const store = createMemoryStore({ maxKeys: 2 });
  const first = store.claim('first', { leaseMs: 60_000 }) as { token: string };
  const second = store.claim('second', { leaseMs: 60_000 }) as { token: string };
  store.complete('second', second.token);
  store.complete('first', first.token);
  store.claim('third', { leaseMs: 60_000 });
  t.same(store.claim('first', { leaseMs: 60_000 }), { status: 'done' }, 'done last, kept');
  t.equal((store.claim('second', { leaseMs: 60_000 }) as { status: string }).status, 'claimed', 'done first, evicted');
});

t.test('a key done again after its TTL ran out is not forgotten with its old done mark', async (t) => {
  let time = 0;
  const store = createMemoryStore({ maxKeys: 2, doneTtlMs: 1_000, now: () => time });
  const old = store.claim('a', { leaseMs: 100 }) as { token: string };
  store.complete('a', old.token);
  time += 1_001;
  const again = store.claim('a', { leaseMs: 100 }) as { status: string; token: string };
  t.equal(again.status, 'claimed', 'forgotten after the TTL');
  store.complete('a', again.token);
  // The old done mark expires at the queue's head now: dropping it must not drop the new one.
  store.claim('b', { leaseMs: 100 });
  t.same(store.claim('a', { leaseMs: 100 }), { status: 'done' });
});

t.test('a claim taken over after its lease keeps the new holder when the old one completes late', async (t) => {
  let time = 0;
  const store = createMemoryStore({ maxKeys: 10, now: () => time });
  const old = store.claim('a', { leaseMs: 100 }) as { token: string };
  time += 101;
  const fresh = store.claim('a', { leaseMs: 100 }) as { token: string };
  t.equal(store.complete('a', old.token), false);
  t.equal(store.renew('a', fresh.token, { leaseMs: 100 }), true);
  t.equal(store.complete('a', fresh.token), true);
  t.equal(store.renew('a', fresh.token, { leaseMs: 100 }), false, 'a done key is held by no token');
  t.equal(store.release('a', fresh.token), false);
  t.same(store.claim('a', { leaseMs: 100 }), { status: 'done' });
});

t.test('a long run through a small store keeps exactly its newest done keys', async (t) => {
  const store = createMemoryStore({ maxKeys: 100 });
  for (let i = 0; i < 5_000; i++) {
    const claim = store.claim(`k${i}`, { leaseMs: 60_000 });
    if ('token' in claim) store.complete(`k${i}`, claim.token);
  }
  const states = Array.from({ length: 100 }, (_, i) => (store.claim(`k${4_900 + i}`, { leaseMs: 60_000 }) as { status: string }).status);
  t.same(new Set(states), new Set(['done']), 'the newest 100 are all remembered');
  t.equal((store.claim('k4899', { leaseMs: 60_000 }) as { status: string }).status, 'claimed', 'the one before them was evicted');
});

t.test('answers every operation as the store of one object per key did (model test against it)', async (t) => {
  const keys = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
  const refusal = fc.option(
    fc.constantFrom({ status: 422, code: 'event_refused', message: 'not ours' }, { status: 404, code: 'event_refused', message: 'gone' }),
    { nil: undefined },
  );
  const operation = fc.oneof(
    fc.record({ op: fc.constant('claim' as const), key: keys, leaseMs: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ op: fc.constant('complete' as const), key: keys, token: fc.integer({ min: 0, max: 40 }), outcome: refusal }),
    fc.record({ op: fc.constant('release' as const), key: keys, token: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ op: fc.constant('renew' as const), key: keys, token: fc.integer({ min: 0, max: 40 }), leaseMs: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 60 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 120 }), fc.array(operation, { maxLength: 300 }), (maxKeys, doneTtlMs, operations) => {
      let time = 0;
      const now = (): number => time;
      const store = createMemoryStore({ maxKeys, doneTtlMs, now });
      const reference = createEntryMemoryStore({ maxKeys, doneTtlMs, now });
      for (const step of operations) {
        const answers = [store, reference].map((it) => {
          switch (step.op) {
            case 'claim':
              return it.claim(step.key, { leaseMs: step.leaseMs });
            case 'complete':
              return it.complete(step.key, String(step.token), step.outcome);
            case 'release':
              return it.release(step.key, String(step.token));
            case 'renew':
              return it.renew(step.key, String(step.token), { leaseMs: step.leaseMs });
            case 'wait':
              time += step.ms;
              return undefined;
          }
        });
        assert.deepEqual(answers[0], answers[1], JSON.stringify(step));
      }
    }),
    { numRuns: 2_000 },
  );
  t.pass('2,000 random runs answered alike');
});

t.test('keeps the newest done keys through ring growth, wrap-around and holes', async (t) => {
  // 40 keys: the ring (16 slots at first) grows and wraps; re-done keys leave holes behind.
  const store = createMemoryStore({ maxKeys: 40 });
  const finish = (key: string): void => {
    const claim = store.claim(key, { leaseMs: 60_000 }) as { status: string; token: string };
    t.equal(claim.status, 'claimed', `${key} claimed`);
    store.complete(key, claim.token);
  };
  for (let i = 0; i < 40; i++) finish(`k${i}`);
  // Done again (as a late complete does): k0-k9 become the newest.
  for (let i = 0; i < 10; i++) t.equal(store.complete(`k${i}`, 'late'), true);
  for (let i = 0; i < 100; i++) finish(`n${i}`);
  const status = (key: string): string => (store.claim(key, { leaseMs: 60_000 }) as { status: string }).status;
  // 100 new keys in a store of 40: the newest 40 are n60-n99, all else evicted, k0-k9 included.
  t.same(
    Array.from({ length: 40 }, (_, i) => status(`n${60 + i}`)),
    Array.from({ length: 40 }, () => 'done'),
  );
  t.equal(status('n59'), 'claimed', 'the one before them was evicted');
  t.equal(status('k0'), 'claimed', 'done again, then evicted in its new place');
});

t.test('a stored refusal outcome survives the ring growing under it and expires with its TTL', async (t) => {
  let time = 0;
  const store = createMemoryStore({ maxKeys: 1_000, doneTtlMs: 1_000, now: () => time });
  const refused = store.claim('refused', { leaseMs: 100 }) as { token: string };
  store.complete('refused', refused.token, { status: 404, code: 'event_refused', message: 'no such pass' });
  for (let i = 0; i < 200; i++) store.complete(`k${i}`, 'x');
  t.same(store.claim('refused', { leaseMs: 100 }), { status: 'done', outcome: { status: 404, code: 'event_refused', message: 'no such pass' } });
  time += 999;
  t.same(store.claim('k199', { leaseMs: 100 }), { status: 'done' });
  time += 1;
  t.equal((store.claim('refused', { leaseMs: 100 }) as { status: string }).status, 'claimed', 'its TTL ran out: forgotten, outcome too');
  t.equal((store.claim('k0', { leaseMs: 100 }) as { status: string }).status, 'claimed');
});
