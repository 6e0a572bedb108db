import { createServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import pg from 'pg';
import { storeConformance } from '@passworks-webhooks/core/testing';
import { createPostgresStore, type PostgresStore } from '@passworks-webhooks/postgres';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';

t.test('rejects bad options at construction, naming the option', async (t) => {
  const url = 'postgres://nobody@127.0.0.1:1/none';
  t.throws(() => createPostgresStore({ connectionString: url, tableName: 'keys; DROP TABLE x' }), { code: 'invalid_config', message: /^tableName:/ });
  t.throws(() => createPostgresStore({ connectionString: url, schema: 'a"b' }), { code: 'invalid_config', message: /^schema:/ });
  t.throws(() => createPostgresStore({ connectionString: url, doneTtlMs: 0 }), { code: 'invalid_config', message: /^doneTtlMs:/ });
  t.throws(() => createPostgresStore({ connectionString: url, maxBatchSize: 1.5 }), { code: 'invalid_config', message: /^maxBatchSize:/ });
  t.throws(() => createPostgresStore({ connectionString: url, poolSize: -1 }), { code: 'invalid_config', message: /^poolSize:/ });
  t.throws(() => createPostgresStore({ connectionString: url, now: 5 as unknown as () => number }), { code: 'invalid_config', message: /^now:/ });
  t.throws(() => createPostgresStore({ connectionString: '' }), { code: 'invalid_config', message: /^connectionString:/ });
});

t.test('a database that refuses connections fails with store_unavailable', async (t) => {
  const store = createPostgresStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectTimeoutMs: 1_000 });
  t.teardown(() => store.close());
  await t.rejects(store.claim('k', { leaseMs: 1_000 }), { code: 'store_unavailable' });
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
  const store = createPostgresStore({ connectionString: `postgres://nobody@127.0.0.1:${port}/none`, connectTimeoutMs: 200, queryTimeoutMs: 200 });
  t.teardown(() => store.close());
  await t.rejects(store.claim('k', { leaseMs: 1_000 }), { code: 'store_unavailable' });
});

const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
  const { connectionString } = database;
  let tables = 0;
  const tableOf = new WeakMap<object, string>();

  storeConformance({
    test: (name, fn) => t.test(name, fn),
    createStore: ({ now, doneTtlMs }) => {
      const tableName = `conformance_${++tables}`;
      const store = createPostgresStore({ connectionString, tableName, now, doneTtlMs });
      tableOf.set(store, tableName);
      return store;
    },
    reopenStore: async (previous, { now, doneTtlMs }) => {
      const tableName = tableOf.get(previous) as string;
      await previous.close?.();
      const store = createPostgresStore({ connectionString, tableName, now, doneTtlMs });
      tableOf.set(store, tableName);
      return store;
    },
  });

  // Claims in this process's memory: the same answers; a restart forgets claims in flight (tested below), so no reopenStore.
  storeConformance({
    test: (name, fn) => t.test(`handlerDeduplicates: ${name}`, fn),
    createStore: ({ now, doneTtlMs }) =>
      createPostgresStore({ connectionString, tableName: `conformance_${++tables}`, now, doneTtlMs, handlerDeduplicates: true }),
  });
  // The caller's table, empty: every key is decided by the store alone, through the handledBy statements.
  const setup = new pg.Client({ connectionString });
  await setup.connect();
  await setup.query('CREATE TABLE no_rows (key text PRIMARY KEY)');
  await setup.end();
  storeConformance({
    test: (name, fn) => t.test(`handledBy: ${name}`, fn),
    createStore: ({ now, doneTtlMs }) =>
      createPostgresStore({
        connectionString,
        tableName: `conformance_${++tables}`,
        now,
        doneTtlMs,
        handlerDeduplicates: true,
        handledBy: { table: 'no_rows', column: 'key' },
      }),
  });

  t.test('handlerDeduplicates: a claim is a read and writes nothing; the handler’s transaction keeps the event once', async (t) => {
    const pool = ownPool(t);
    const tableName = `keys_${++tables}`;
    const store = createPostgresStore({ pool, tableName, handlerDeduplicates: true });
    const other = createPostgresStore({ pool, tableName, handlerDeduplicates: true }); // a second process on the same table
    t.teardown(() => Promise.all([store.close(), other.close()]));
    await pool.query(`CREATE TABLE app_rows_${tables} (key text PRIMARY KEY)`);
    const count = async (): Promise<number> => Number((await pool.query(`SELECT count(*) AS n FROM "public"."${tableName}"`)).rows[0].n);
    const first = await store.claim('k', { leaseMs: 60_000 });
    t.equal(first.status, 'claimed');
    t.equal(await count(), 0, 'no row written for the claim');
    t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'in_flight' }, 'a copy at this process waits');
    const copy = await other.claim('k', { leaseMs: 60_000 });
    t.equal(copy.status, 'claimed', 'a copy at another process runs its handler');
    // Both handlers: insert the event (ON CONFLICT DO NOTHING) and mark the key done in their transaction.
    const handle = async (on: PostgresStore): Promise<number> => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inserted = (await client.query(`INSERT INTO app_rows_${tables} VALUES ('k') ON CONFLICT DO NOTHING`)).rowCount ?? 0;
        await on.markDone('k', undefined, client);
        await client.query('COMMIT');
        return inserted;
      } finally {
        client.release();
      }
    };
    t.same([await handle(store), await handle(other)], [1, 0], 'the event stored once');
    t.equal(await store.complete('k', (first as { token: string }).token), true);
    t.equal(await other.complete('k', (copy as { token: string }).token), true);
    t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done' });
    // A claim another kind of process wrote (handlerDeduplicates off) answers in_flight; a restart forgets this process's claims.
    const writing = createPostgresStore({ pool, tableName });
    t.teardown(() => writing.close());
    t.equal((await writing.claim('w', { leaseMs: 60_000 })).status, 'claimed');
    t.same(await store.claim('w', { leaseMs: 60_000 }), { status: 'in_flight' });
    t.equal((await store.claim('m', { leaseMs: 60_000 })).status, 'claimed');
    const restarted = createPostgresStore({ pool, tableName, handlerDeduplicates: true });
    t.teardown(() => restarted.close());
    t.equal((await restarted.claim('m', { leaseMs: 60_000 })).status, 'claimed', 'a retry after a crash runs at once');
    t.same(await restarted.claim('k', { leaseMs: 60_000 }), { status: 'done' }, 'done marks survive the restart');
    t.throws(() => createPostgresStore({ pool, handlerDeduplicates: 'yes' as unknown as boolean }), {
      code: 'invalid_config',
      message: /^handlerDeduplicates:/,
    });
  });

  t.test('handledBy: the caller’s row is the done mark; refusals and keys without a row get the store’s', async (t) => {
    const pool = ownPool(t);
    const tableName = `keys_${++tables}`;
    await pool.query(`CREATE SCHEMA IF NOT EXISTS app; CREATE TABLE app.orders_${tables} (webhook_key text UNIQUE)`);
    const store = createPostgresStore({
      pool,
      tableName,
      handlerDeduplicates: true,
      handledBy: { schema: 'app', table: `orders_${tables}`, column: 'webhook_key' },
    });
    t.teardown(() => store.close());
    const marks = async (): Promise<string[]> =>
      (await pool.query<{ key: string }>(`SELECT key FROM "public"."${tableName}" ORDER BY key`)).rows.map((row) => row.key);
    const stored = await store.claim('stored', { leaseMs: 60_000 });
    await pool.query(`INSERT INTO app.orders_${tables} VALUES ('stored')`); // the handler's transaction, without markDone
    t.equal(await store.complete('stored', (stored as { token: string }).token), true);
    t.same(await store.claim('stored', { leaseMs: 60_000 }), { status: 'done' });
    t.equal(await store.isDone('stored'), true);
    const refused = await store.claim('refused', { leaseMs: 60_000 });
    await store.complete('refused', (refused as { token: string }).token, { status: 422, code: 'invalid_event', message: 'no' });
    const plain = await store.claim('plain', { leaseMs: 60_000 });
    await store.complete('plain', (plain as { token: string }).token);
    t.same(await marks(), ['plain', 'refused'], 'no mark for the stored key: its row is the mark');
    t.same(await store.claim('refused', { leaseMs: 60_000 }), { status: 'done', outcome: { status: 422, code: 'invalid_event', message: 'no' } });
    t.same(await store.claim('plain', { leaseMs: 60_000 }), { status: 'done' });
    t.equal(await store.isDone('unknown'), false);
    t.throws(() => createPostgresStore({ pool, handledBy: { table: 'orders', column: 'key' } }), {
      code: 'invalid_config',
      message: /^handledBy: needs handlerDeduplicates/,
    });
    t.throws(() => createPostgresStore({ pool, handlerDeduplicates: true, handledBy: { table: 'orders; DROP', column: 'key' } }), {
      code: 'invalid_config',
      message: /^handledBy.table:/,
    });
    t.throws(() => createPostgresStore({ pool, handlerDeduplicates: true, handledBy: { table: 'orders', column: 'a"b' } }), {
      code: 'invalid_config',
      message: /^handledBy.column:/,
    });
    t.throws(() => createPostgresStore({ pool, handlerDeduplicates: true, handledBy: 'orders' as unknown as { table: string; column: string } }), {
      code: 'invalid_config',
      message: /^handledBy:/,
    });
  });

  t.test('keepDone: a row deleted within the TTL leaves a mark until its own done time + TTL; an older one leaves none', async (t) => {
    const pool = ownPool(t);
    const tableName = `keys_${++tables}`;
    await pool.query(`CREATE TABLE handled_${tables} (key text PRIMARY KEY)`);
    let time = 10 * 86_400_000;
    const day = 86_400_000;
    const store = createPostgresStore({
      pool,
      tableName,
      handlerDeduplicates: true,
      handledBy: { table: `handled_${tables}`, column: 'key' },
      doneTtlMs: 7 * day,
      now: () => time,
    });
    t.teardown(() => store.close());
    await pool.query(`INSERT INTO handled_${tables} VALUES ('recent'), ('old')`);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await store.keepDone(
        [
          { key: 'recent', doneAt: time - 3 * day },
          { key: 'old', doneAt: time - 8 * day },
        ],
        client,
      );
      await client.query(`DELETE FROM handled_${tables}`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await store.keepDone([]);
    t.same(await store.claim('recent', { leaseMs: 60_000 }), { status: 'done' }, 'a late copy is still a duplicate');
    t.equal((await store.claim('old', { leaseMs: 60_000 })).status, 'claimed', 'past its TTL: new again');
    time += 4 * day + 1;
    t.equal((await store.claim('recent', { leaseMs: 60_000 })).status, 'claimed', 'the mark ends at done time + TTL');
    t.equal(store.doneTtlMs, 7 * day);
  });

  /** A store on a fresh table, closed at teardown. */
  const freshStore = (t: Test, options: { now?: () => number; pool?: pg.Pool; schema?: string } = {}): PostgresStore => {
    const tableName = `keys_${++tables}`;
    const { pool, ...common } = options;
    const store = pool === undefined ? createPostgresStore({ ...common, connectionString, tableName }) : createPostgresStore({ ...common, pool, tableName });
    t.teardown(() => store.close());
    return store;
  };

  const ownPool = (t: Test): pg.Pool => {
    const pool = new pg.Pool({ connectionString, max: 4 });
    pool.on('error', () => undefined);
    t.teardown(() => pool.end());
    return pool;
  };

  t.test('markDone inside the caller’s transaction commits with its rows, or rolls back with them', async (t) => {
    const pool = ownPool(t);
    const store = freshStore(t, { pool });
    const table = `keys_${tables}`;
    await pool.query('CREATE TABLE app_rows (key text PRIMARY KEY)');
    const first = await store.claim('kept', { leaseMs: 60_000 });
    const second = await store.claim('rolled-back', { leaseMs: 60_000 });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO app_rows VALUES ($1)', ['kept']);
      await store.markDone('kept', undefined, client);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query('INSERT INTO app_rows VALUES ($1)', ['rolled-back']);
      await store.markDone('rolled-back', undefined, client);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    t.same((await pool.query('SELECT key FROM app_rows')).rows, [{ key: 'kept' }]);
    t.equal(await store.isDone('kept'), true);
    t.equal(await store.isDone('rolled-back'), false);
    const xmaxOfKept = async (): Promise<string> =>
      (await pool.query<{ xmax: string }>(`SELECT xmax::text FROM ${table} WHERE key = 'kept'`)).rows[0]?.xmax ?? 'missing';
    const markedBy = await xmaxOfKept();
    t.equal(await store.complete('kept', first.status === 'claimed' ? first.token : ''), true, 'complete after markDone answers true');
    t.equal(await xmaxOfKept(), markedBy, 'and neither writes nor locks the row (no transaction id, no WAL flush)');
    t.same(await store.claim('kept', { leaseMs: 60_000 }), { status: 'done' });
    t.same(await store.claim('rolled-back', { leaseMs: 60_000 }), { status: 'in_flight' }, 'still held by its claim');
    t.equal(second.status, 'claimed');
  });

  t.test('markDoneQuery embeds the done mark in the caller’s own statement: one round trip, one commit with its rows', async (t) => {
    const pool = ownPool(t);
    const store = freshStore(t, { pool });
    await store.migrate();
    await pool.query('CREATE TABLE app_orders (key text PRIMARY KEY)');
    const refused = { status: 422, code: 'event_refused', message: 'unknown loyalty account' };
    const done = store.markDoneQuery(['order-1', 'order-2'], 2);
    await pool.query(`WITH done AS (${done.text}) INSERT INTO app_orders SELECT unnest($1::text[])`, [['order-1', 'order-2'], ...done.values]);
    const refusal = store.markDoneQuery(['order-3'], 1, refused);
    await pool.query(refusal.text, refusal.values);
    t.same((await pool.query('SELECT key FROM app_orders ORDER BY key')).rows, [{ key: 'order-1' }, { key: 'order-2' }]);
    t.same(await store.claim('order-1', { leaseMs: 60_000 }), { status: 'done' });
    t.same(await store.claim('order-2', { leaseMs: 60_000 }), { status: 'done' });
    t.same(await store.claim('order-3', { leaseMs: 60_000 }), { status: 'done', outcome: refused });
    t.throws(() => store.markDoneQuery(['x'], 0), { code: 'invalid_config' });
  });

  t.test('two stores on separate pools (two processes) claiming 50 keys concurrently: each key claimed once', async (t) => {
    const pool = ownPool(t);
    const a = freshStore(t, { pool });
    const b = createPostgresStore({ connectionString, tableName: `keys_${tables}`, poolSize: 3 });
    t.teardown(() => b.close());
    await Promise.all([a.migrate(), b.migrate()]);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const results = await Promise.all(
      keys.flatMap((key) => [a.claim(key, { leaseMs: 60_000 }), b.claim(key, { leaseMs: 60_000 }), a.claim(key, { leaseMs: 60_000 })]),
    );
    t.equal(results.filter((r) => r.status === 'claimed').length, 50);
    t.equal(results.filter((r) => r.status === 'in_flight').length, 100);
  });

  t.test('the claims and completions of one event-loop turn share one statement each; maxBatchSize: 1 sends one each', async (t) => {
    const count = async (maxBatchSize: number): Promise<number> => {
      const pool = ownPool(t);
      const store = createPostgresStore({ pool, tableName: `keys_${++tables}`, maxBatchSize });
      t.teardown(() => store.close());
      await store.migrate();
      let queries = 0;
      const query = pool.query.bind(pool);
      pool.query = ((...args: Parameters<typeof query>) => {
        queries += 1;
        return query(...args);
      }) as typeof pool.query;
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => store.claim(`k${i}`, { leaseMs: 60_000 })));
      const completed = await Promise.all(claims.map((claim, i) => store.complete(`k${i}`, claim.status === 'claimed' ? claim.token : '')));
      t.equal(completed.filter(Boolean).length, 40);
      return queries;
    };
    t.equal(await count(256), 2);
    t.equal(await count(1), 80);
  });

  t.test('without an injected clock, leases are measured on the database clock', async (t) => {
    const pool = ownPool(t);
    const store = freshStore(t, { pool });
    t.equal((await store.claim('k', { leaseMs: 60_000 })).status, 'claimed');
    const { rows } = await pool.query<{ ok: boolean }>(
      `SELECT expires_at BETWEEN now() + INTERVAL '59 seconds' AND now() + INTERVAL '60 seconds' AS ok FROM keys_${tables} WHERE key = 'k'`,
    );
    t.same(rows, [{ ok: true }]);
  });

  t.test('a key completed twice in one turn: the holder wins, the stale token does not', async (t) => {
    let time = Date.UTC(2026, 0, 1);
    const store = freshStore(t, { now: () => time });
    const old = await store.claim('k', { leaseMs: 1_000 });
    time += 2_000;
    const fresh = await store.claim('k', { leaseMs: 60_000 });
    const token = (claim: typeof old): string => (claim.status === 'claimed' ? claim.token : '');
    t.same(await Promise.all([store.complete('k', token(fresh)), store.complete('k', token(old))]), [true, true], 'the stale one finds the key done');
    t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done' });
  });

  t.test('prune deletes expired claims and done keys past their TTL, and keeps the rest', async (t) => {
    let time = Date.UTC(2026, 0, 1);
    const store = freshStore(t, { now: () => time });
    const done = await store.claim('done', { leaseMs: 1_000 });
    await store.complete('done', done.status === 'claimed' ? done.token : '');
    await store.claim('expired', { leaseMs: 1_000 });
    await store.claim('live', { leaseMs: 60_000 });
    time += 2_000;
    t.equal(await store.prune(), 1);
    t.equal(await store.isDone('done'), true);
    t.same(await store.claim('live', { leaseMs: 60_000 }), { status: 'in_flight' });
  });

  t.test('five stores migrating the same new schema at once all succeed', async (t) => {
    const schema = `concurrent_${tables}`;
    const stores = Array.from({ length: 5 }, () => createPostgresStore({ connectionString, schema, poolSize: 1 }));
    t.teardown(() => Promise.all(stores.map((store) => store.close())));
    await Promise.all(stores.map((store) => store.migrate()));
    t.same(await Promise.all(stores.map((store) => store.claim('k', { leaseMs: 60_000 }).then((r) => r.status))).then((s) => s.sort()), [
      'claimed',
      'in_flight',
      'in_flight',
      'in_flight',
      'in_flight',
    ]);
  });

  t.test('connections killed by the server: the next call fails or succeeds, never hangs, and the pool reconnects', async (t) => {
    const store = freshStore(t);
    await store.migrate();
    const admin = ownPool(t);
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ''`,
    );
    // A dropped idle connection is evicted by the pool; at worst the first call sees it die.
    await store.claim('after-1', { leaseMs: 60_000 }).catch((error: { code?: string }) => t.equal(error.code, 'store_unavailable'));
    t.equal((await store.claim('after-2', { leaseMs: 60_000 })).status, 'claimed');
  });
}
