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

t.test('a full store evicts a tenth of its done keys at once, oldest first', async (t) => {
  const store = createMemoryStore({ maxKeys: 100 });
  for (let i = 0; i < 100; i++) {
    const claim = store.claim(`k${i}`, { leaseMs: 60_000 });
    if ('token' in claim) store.complete(`k${i}`, claim.token);
  }
  store.claim('new', { leaseMs: 60_000 });
  const state = (key: string) => (store.claim(key, { leaseMs: 60_000 }) as { status: string }).status;
  t.equal(state('k10'), 'done', 'the eleventh oldest is kept');
  t.equal(state('k99'), 'done');
  t.equal(state('k0'), 'claimed', 'the oldest went');
  t.equal(state('k9'), 'claimed', 'the tenth oldest went with it');
});
