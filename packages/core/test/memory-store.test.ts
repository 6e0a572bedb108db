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
