import t from 'tap';
import { createMemoryStore } from '@passworks-webhooks/core';
import { storeConformance } from '@passworks-webhooks/core/testing';

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
