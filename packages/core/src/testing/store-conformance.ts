import assert from 'node:assert/strict';
import type { IdempotencyStore } from '../idempotency-store.js';

/** What a store factory gets from the suite: a fake clock it must use, and the TTL of done keys. */
export interface StoreFactoryContext {
  readonly now: () => number;
  readonly doneTtlMs: number;
}

/** Options of {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** Registers one test, e.g. `(name, fn) => t.test(name, fn)` in tap or `it` in other runners. */
  readonly test: (name: string, fn: () => Promise<void>) => unknown;
  /** A fresh, empty store per test. */
  readonly createStore: (context: StoreFactoryContext) => IdempotencyStore | Promise<IdempotencyStore>;
  /** For durable stores: reopens what `previous` held (closing `previous` first). Omit for memory-only stores. */
  readonly reopenStore?: (previous: IdempotencyStore, context: StoreFactoryContext) => IdempotencyStore | Promise<IdempotencyStore>;
}

const LEASE_MS = 30_000;
const DONE_TTL_MS = 86_400_000;
const REFUSED = { status: 422, code: 'event_refused', message: 'this pass is not ours: "quotes", ünïcode and 100% kept' } as const;

function fakeClock(): StoreFactoryContext & { advance(ms: number): void } {
  let time = Date.UTC(2026, 0, 1);
  return { now: () => time, doneTtlMs: DONE_TTL_MS, advance: (ms) => (time += ms) };
}

async function claimed(store: IdempotencyStore, key: string): Promise<string> {
  const result = await store.claim(key, { leaseMs: LEASE_MS });
  assert.equal(result.status, 'claimed', `expected to claim ${key}`);
  return (result as { token: string }).token;
}

/**
 * The contract every {@link IdempotencyStore} keeps, as a list of tests:
 * claim, complete (with and without a stored outcome), release, renew,
 * tokens, concurrent claims, lease expiry, TTL and (for durable stores)
 * restart. Assertions use `node:assert`, so any runner works.
 * @example
 * storeConformance({ test: (name, fn) => t.test(name, fn), createStore: ({ now, doneTtlMs }) => createMemoryStore({ now, doneTtlMs }) });
 */
export function storeConformance({ test, createStore, reopenStore }: StoreConformanceOptions): void {
  const withStore = (name: string, fn: (store: IdempotencyStore, clock: ReturnType<typeof fakeClock>) => Promise<IdempotencyStore | void>): void => {
    test(name, async () => {
      const clock = fakeClock();
      let store = await createStore(clock);
      try {
        store = (await fn(store, clock)) ?? store;
      } finally {
        await store.close?.();
      }
    });
  };

  withStore('claims a new key and reports it in flight to a second claimer', async (store) => {
    await claimed(store, 'a');
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    await claimed(store, 'b');
  });

  withStore('a completed key is done for every later claim', async (store) => {
    const token = await claimed(store, 'a');
    assert.equal(await store.complete('a', token), true);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
  });

  withStore('a released key can be claimed again, with a new token', async (store) => {
    const first = await claimed(store, 'a');
    assert.equal(await store.release('a', first), true);
    const second = await claimed(store, 'a');
    assert.notEqual(second, first);
  });

  withStore('release with a token that does not hold the key changes nothing', async (store) => {
    const token = await claimed(store, 'a');
    assert.equal(await store.release('a', 'not-the-token'), false);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    assert.equal(await store.complete('a', token), true);
  });

  withStore('an expired claim can be taken over, and its old holder can no longer release or complete it', async (store, clock) => {
    const old = await claimed(store, 'a');
    clock.advance(LEASE_MS + 1);
    const fresh = await claimed(store, 'a');
    assert.equal(await store.release('a', old), false);
    assert.equal(await store.complete('a', old), false);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    assert.equal(await store.complete('a', fresh), true);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
  });

  withStore('a claim holds until its lease runs out', async (store, clock) => {
    await claimed(store, 'a');
    clock.advance(LEASE_MS - 1);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    clock.advance(2);
    await claimed(store, 'a');
  });

  withStore('a holder whose lease ran out untaken can still complete', async (store, clock) => {
    const token = await claimed(store, 'a');
    clock.advance(LEASE_MS + 1);
    assert.equal(await store.complete('a', token), true);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
  });

  withStore('a done key is forgotten after its TTL', async (store, clock) => {
    const token = await claimed(store, 'a');
    await store.complete('a', token);
    clock.advance(DONE_TTL_MS - 1);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
    clock.advance(2);
    await claimed(store, 'a');
  });

  withStore('100 concurrent claims of one key give exactly one claim', async (store) => {
    const results = await Promise.all(Array.from({ length: 100 }, () => store.claim('hot', { leaseMs: LEASE_MS })));
    assert.equal(results.filter((r) => r.status === 'claimed').length, 1);
    assert.equal(results.filter((r) => r.status === 'in_flight').length, 99);
  });

  withStore('concurrent claims of distinct keys all succeed', async (store) => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim(`key-${i}`, { leaseMs: LEASE_MS })));
    assert.equal(results.filter((r) => r.status === 'claimed').length, 50);
  });

  withStore('renew keeps a live claim held past its first lease', async (store, clock) => {
    const token = await claimed(store, 'a');
    clock.advance(LEASE_MS - 1);
    assert.equal(await store.renew('a', token, { leaseMs: LEASE_MS }), true);
    clock.advance(LEASE_MS - 1);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    clock.advance(2);
    await claimed(store, 'a');
  });

  withStore('renew answers false and changes nothing for a token that does not hold the key', async (store, clock) => {
    const token = await claimed(store, 'a');
    assert.equal(await store.renew('a', 'not-the-token', { leaseMs: LEASE_MS * 10 }), false);
    assert.equal(await store.renew('unknown', token, { leaseMs: LEASE_MS }), false);
    clock.advance(LEASE_MS + 1);
    await claimed(store, 'a');
  });

  withStore('renew answers false once the claim was taken over, completed or released', async (store, clock) => {
    const old = await claimed(store, 'a');
    clock.advance(LEASE_MS + 1);
    const fresh = await claimed(store, 'a');
    assert.equal(await store.renew('a', old, { leaseMs: LEASE_MS }), false);
    assert.equal(await store.complete('a', fresh), true);
    assert.equal(await store.renew('a', fresh, { leaseMs: LEASE_MS }), false);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
    const released = await claimed(store, 'b');
    assert.equal(await store.release('b', released), true);
    assert.equal(await store.renew('b', released, { leaseMs: LEASE_MS }), false);
    await claimed(store, 'b');
  });

  withStore('a holder whose lease ran out untaken can still renew it', async (store, clock) => {
    const token = await claimed(store, 'a');
    clock.advance(LEASE_MS + 1);
    assert.equal(await store.renew('a', token, { leaseMs: LEASE_MS }), true);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
  });

  withStore('a key completed with an outcome answers every later claim with that outcome', async (store) => {
    const token = await claimed(store, 'a');
    assert.equal(await store.complete('a', token, REFUSED), true);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done', outcome: REFUSED });
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done', outcome: REFUSED });
    const other = await claimed(store, 'b');
    await store.complete('b', other);
    assert.deepEqual(await store.claim('b', { leaseMs: LEASE_MS }), { status: 'done' }, 'no outcome after a plain complete');
  });

  withStore('an outcome is forgotten with its key after the TTL', async (store, clock) => {
    const token = await claimed(store, 'a');
    await store.complete('a', token, REFUSED);
    clock.advance(DONE_TTL_MS + 1);
    const again = await claimed(store, 'a');
    await store.complete('a', again);
    assert.deepEqual(await store.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
  });

  if (reopenStore === undefined) return;

  withStore('a done key is still done after a restart', async (store, clock) => {
    const token = await claimed(store, 'a');
    await store.complete('a', token);
    const reopened = await reopenStore(store, clock);
    assert.deepEqual(await reopened.claim('a', { leaseMs: LEASE_MS }), { status: 'done' });
    return reopened;
  });

  withStore('an outcome is still answered after a restart', async (store, clock) => {
    const token = await claimed(store, 'a');
    await store.complete('a', token, REFUSED);
    const reopened = await reopenStore(store, clock);
    assert.deepEqual(await reopened.claim('a', { leaseMs: LEASE_MS }), { status: 'done', outcome: REFUSED });
    return reopened;
  });

  withStore('a claim left by a crashed holder blocks until its lease runs out, then can be taken', async (store, clock) => {
    await claimed(store, 'a');
    const reopened = await reopenStore(store, clock);
    assert.deepEqual(await reopened.claim('a', { leaseMs: LEASE_MS }), { status: 'in_flight' });
    clock.advance(LEASE_MS + 1);
    await claimed(reopened, 'a');
    return reopened;
  });
}
