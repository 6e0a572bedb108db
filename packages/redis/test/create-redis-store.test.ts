import { createServer, type Socket } from 'node:net';
import t from 'tap';
import { storeConformance } from '@passworks-webhooks/core/testing';
import { createRedisStore, redisStoreDefaults, type RedisStore } from '@passworks-webhooks/redis';
import { openTestRedis } from './fixtures/open-test-redis.js';

t.test('rejects bad options at construction, naming the option', async (t) => {
  const url = 'redis://127.0.0.1:1';
  t.throws(() => createRedisStore({ url: 'http://127.0.0.1:6379' }), { code: 'invalid_config', message: /^url:/ });
  t.throws(() => createRedisStore({ url: 5 as unknown as string }), { code: 'invalid_config', message: /^url:/ });
  t.throws(() => createRedisStore({ url, prefix: '' }), { code: 'invalid_config', message: /^prefix:/ });
  t.throws(() => createRedisStore({ url, doneTtlMs: 0 }), { code: 'invalid_config', message: /^doneTtlMs:/ });
  t.throws(() => createRedisStore({ url, commandTimeoutMs: 1.5 }), { code: 'invalid_config', message: /^commandTimeoutMs:/ });
  t.throws(() => createRedisStore({ url, connectTimeoutMs: -1 }), { code: 'invalid_config', message: /^connectTimeoutMs:/ });
  t.throws(() => createRedisStore({ url, now: 5 as unknown as () => number }), { code: 'invalid_config', message: /^now:/ });
  t.throws(() => createRedisStore({ client: {} as never }), { code: 'invalid_config', message: /^client:/ });
});

t.test('the password of a bad URL never appears in the error', async (t) => {
  const error = t.throws(() => createRedisStore({ url: 'redis//:s3cret-password@127.0.0.1:6379' })) as Error;
  t.notMatch(error.message, /s3cret/);
});

t.test('defaults: the prefix and the TTL of the other stores', async (t) => {
  const store = createRedisStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
  t.teardown(() => store.close());
  t.equal(store.prefix, 'passworks:');
  t.equal(store.doneTtlMs, 7 * 24 * 3_600_000);
  t.equal(redisStoreDefaults.doneTtlMs, store.doneTtlMs);
});

t.test('a server that refuses connections fails every call with store_unavailable', async (t) => {
  const store = createRedisStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
  t.teardown(() => store.close());
  await t.rejects(store.claim('k', { leaseMs: 1_000 }), { code: 'store_unavailable' });
  await t.rejects(store.complete('k', 'token'), { code: 'store_unavailable' });
  await store.close();
  await t.rejects(store.release('k', 'token'), { code: 'store_unavailable', message: /closed/ });
});

t.test('a server that accepts and never answers fails with store_unavailable, not a hang', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const { port } = silent.address() as { port: number };
  const store = createRedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, commandTimeoutMs: 200 });
  t.teardown(() => store.close());
  await t.rejects(store.claim('k', { leaseMs: 1_000 }), { code: 'store_unavailable' });
});

const redis = await openTestRedis();
if ('skip' in redis) {
  t.skip(redis.skip, () => undefined);
} else {
  t.teardown(() => redis.cleanup());
  const { url, client } = redis;
  let stores = 0;
  const prefixOf = new WeakMap<object, string>();

  storeConformance({
    test: (name, fn) => t.test(name, fn),
    createStore: ({ now, doneTtlMs }) => {
      const prefix = `${redis.prefix}conformance-${++stores}:`;
      const store = createRedisStore({ url, prefix, now, doneTtlMs });
      prefixOf.set(store, prefix);
      return store;
    },
    reopenStore: async (previous, { now, doneTtlMs }) => {
      const prefix = prefixOf.get(previous) as string;
      await previous.close?.();
      const store = createRedisStore({ url, prefix, now, doneTtlMs });
      prefixOf.set(store, prefix);
      return store;
    },
  });

  // The same contract through a client the caller owns (the store never closes it).
  storeConformance({
    test: (name, fn) => t.test(`a client of yours: ${name}`, fn),
    createStore: ({ now, doneTtlMs }) => createRedisStore({ client, prefix: `${redis.prefix}client-${++stores}:`, now, doneTtlMs }),
  });

  t.test('a store on your client leaves it open on close', async (t) => {
    const store = createRedisStore({ client, prefix: `${redis.prefix}open-${++stores}:` });
    await store.close();
    t.equal(client.isReady, true);
    t.equal(await client.ping(), 'PONG');
  });

  t.test('leases and TTLs run on the server clock, with the key expiring in Redis too', async (t) => {
    const store: RedisStore = createRedisStore({ url, prefix: `${redis.prefix}clock-${++stores}:` });
    t.teardown(() => store.close());
    const before = serverMs(await client.time());
    const claim = await store.claim('a', { leaseMs: 60_000 });
    const after = serverMs(await client.time());
    t.equal(claim.status, 'claimed');
    const token = (claim as { token: string }).token;
    const [state, leaseEnd, held] = String(await client.get(`${store.prefix}a`)).split(':');
    t.equal(state, 'p');
    t.equal(held, token);
    t.ok(Number(leaseEnd) >= before + 60_000 && Number(leaseEnd) <= after + 60_000, 'the lease ends 60 s after the server time of the claim');
    t.ok((await client.pTTL(`${store.prefix}a`)) > 60_000, 'the key outlives its lease in Redis, so a late holder can still renew');

    t.equal(await store.complete('a', token, { status: 422, code: 'event_refused', message: 'not ours' }), true);
    const done = String(await client.get(`${store.prefix}a`));
    t.match(done, /^d:\d+:\{"status":422,"code":"event_refused","message":"not ours"\}$/);
    const ttl = await client.pTTL(`${store.prefix}a`);
    t.ok(ttl > store.doneTtlMs - 60_000 && ttl <= store.doneTtlMs, 'the done mark expires in Redis after doneTtlMs');
    t.same(await store.claim('a', { leaseMs: 60_000 }), { status: 'done', outcome: { status: 422, code: 'event_refused', message: 'not ours' } });
  });

  t.test('a key that expired in Redis (or was evicted) is claimed again', async (t) => {
    const store = createRedisStore({ url, prefix: `${redis.prefix}evicted-${++stores}:` });
    t.teardown(() => store.close());
    const first = await store.claim('a', { leaseMs: 60_000 });
    await store.complete('a', (first as { token: string }).token);
    await client.del(`${store.prefix}a`);
    t.equal((await store.claim('a', { leaseMs: 60_000 })).status, 'claimed', 'the late duplicate runs its handler again');
  });

  t.test('a value that is not the store’s fails with store_unavailable', async (t) => {
    const store = createRedisStore({ url, prefix: `${redis.prefix}foreign-${++stores}:` });
    t.teardown(() => store.close());
    await client.hSet(`${store.prefix}a`, 'field', 'value');
    await t.rejects(store.claim('a', { leaseMs: 60_000 }), { code: 'store_unavailable', message: /WRONGTYPE/ });
  });
}

function serverMs([seconds, microseconds]: readonly unknown[]): number {
  return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
}
