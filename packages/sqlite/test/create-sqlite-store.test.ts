import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { childBundle } from '../../../scripts/child-bundle.mjs';
import { storeConformance } from '@passworks-webhooks/core/testing';
import { createGroupCommit, createSqliteStore, openDatabase, type GroupCommit, type SqliteStore } from '@passworks-webhooks/sqlite';

const paths = new WeakMap<object, string>();

storeConformance({
  test: (name, fn) => t.test(name, fn),
  createStore: ({ now, doneTtlMs }) => {
    const path = join(t.testdir(), 'store.db');
    const store = createSqliteStore({ path, now, doneTtlMs });
    paths.set(store, path);
    return store;
  },
  reopenStore: async (previous, { now, doneTtlMs }) => {
    const path = paths.get(previous) as string;
    await previous.close?.();
    const store = createSqliteStore({ path, now, doneTtlMs });
    paths.set(store, path);
    return store;
  },
});

// In-process claims decide what durable ones do, within one process (a restart forgets them by design: see below).
storeConformance({
  test: (name, fn) => t.test(`handlerDeduplicates: ${name}`, fn),
  createStore: ({ now, doneTtlMs }) => createSqliteStore({ path: join(t.testdir(), 'store.db'), now, doneTtlMs, handlerDeduplicates: true }),
});

t.test('handlerDeduplicates: one transaction per event, the caller’s; claims in memory, done marks on disk', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'dedupe.db') });
  const writes = createGroupCommit(db);
  const store = createSqliteStore({ database: db, groupCommit: writes, handlerDeduplicates: true });
  const durable = createSqliteStore({ database: db, groupCommit: writes });
  t.teardown(async () => {
    await store.close();
    db.close();
  });
  db.exec('CREATE TABLE orders (key TEXT PRIMARY KEY)');
  const changes = (): number => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  /** A claim answered synchronously (no transaction to wait for), and its token. */
  const claimNow = (key: string): { status: string; token: string } => {
    const result = store.claim(key, { leaseMs: 60_000 });
    if (result instanceof Promise) throw new Error('expected a synchronous claim');
    return { status: result.status, token: result.status === 'claimed' ? result.token : '' };
  };
  const before = changes();
  const claim = claimNow('k');
  t.equal(claim.status, 'claimed');
  t.same(store.claim('k', { leaseMs: 60_000 }), { status: 'in_flight' }, 'a copy in this process waits');
  t.equal(changes(), before, 'claiming wrote nothing');
  t.same(db.prepare('SELECT count(*) AS n FROM passworks_idempotency_keys').get(), { n: 0 });
  await writes.run(() => {
    db.prepare('INSERT INTO orders VALUES (?)').run('k');
    store.markDone('k');
  });
  t.equal(changes(), before + 2, 'the caller’s one transaction: its row and the done mark');
  t.equal(await store.complete('k', claim.token), true);
  t.equal(changes(), before + 2, 'complete wrote nothing');
  t.same(await durable.claim('k', { leaseMs: 60_000 }), { status: 'done' }, 'another process sharing the file sees it done');
  const elsewhere = await durable.claim('held-elsewhere', { leaseMs: 60_000 });
  t.equal(elsewhere.status, 'claimed');
  t.same(store.claim('held-elsewhere', { leaseMs: 60_000 }), { status: 'in_flight' }, 'a durable claim of another process is respected');
  t.equal(store.release('r', claimNow('r').token), true);
  t.equal(claimNow('r').status, 'claimed', 'released: claimable again');
  t.throws(() => createSqliteStore({ database: db, handlerDeduplicates: 1 as unknown as boolean }), {
    code: 'invalid_config',
    message: /^handlerDeduplicates:/,
  });
});

t.test('isHandled: the caller’s unique key is the done mark, so a stored event costs no write of the store’s', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'handled.db') });
  const writes = createGroupCommit(db);
  db.exec('CREATE TABLE orders (key TEXT PRIMARY KEY)');
  const lookup = db.prepare<[string], number>('SELECT 1 FROM orders WHERE key = ?').pluck();
  const store = createSqliteStore({ database: db, groupCommit: writes, handlerDeduplicates: true, isHandled: (key) => lookup.get(key) !== undefined });
  t.teardown(async () => {
    await store.close();
    db.close();
  });
  const marks = (): number => db.prepare('SELECT count(*) FROM passworks_idempotency_keys').pluck().get() as number;
  const claimNow = (key: string): string => {
    const result = store.claim(key, { leaseMs: 60_000 });
    if (result instanceof Promise || result.status !== 'claimed') throw new Error(`expected a synchronous claim of ${key}`);
    return result.token;
  };
  // The handler stores the order, and nothing else, in its one transaction.
  const token = claimNow('k');
  await writes.run(() => db.prepare('INSERT INTO orders VALUES (?)').run('k'));
  t.equal(store.isDone('k'), true, 'done: the caller’s table holds it');
  t.equal(await store.complete('k', token), true);
  t.equal(marks(), 0, 'complete wrote no mark');
  t.same(store.claim('k', { leaseMs: 60_000 }), { status: 'done' }, 'a later copy is answered done, synchronously');
  // A refusal is not in the caller’s table: its outcome is the store’s to keep.
  const refused = { status: 422, code: 'event_refused', message: 'no such loyalty account' };
  t.equal(await store.complete('r', claimNow('r'), refused), true);
  t.same(store.claim('r', { leaseMs: 60_000 }), { status: 'done', outcome: refused });
  // Completed without the handler storing it: the store marks it, as without isHandled.
  t.equal(await store.complete('plain', claimNow('plain')), true);
  t.same(store.claim('plain', { leaseMs: 60_000 }), { status: 'done' });
  t.equal(marks(), 2, 'marks for the refusal and the unstored key only');
  // A refusal's outcome is kept even where the caller's table holds the key.
  const both = claimNow('both');
  await writes.run(() => db.prepare('INSERT INTO orders VALUES (?)').run('both'));
  t.equal(await store.complete('both', both, refused), true);
  t.same(db.prepare('SELECT outcome FROM passworks_idempotency_keys WHERE key = ?').pluck().get('both'), JSON.stringify(refused));
  t.throws(() => createSqliteStore({ database: db, isHandled: () => false }), { code: 'invalid_config', message: /^isHandled: needs handlerDeduplicates/ });
  t.throws(() => createSqliteStore({ database: db, handlerDeduplicates: true, isHandled: 'yes' as unknown as () => boolean }), {
    code: 'invalid_config',
    message: /^isHandled: expected a function/,
  });
});

t.test('handledBy: the table and column as the PostgreSQL store takes them stand for isHandled; keepDone takes a list of entries too', async (t) => {
  let now = 1_000_000;
  const db = openDatabase({ path: join(t.testdir(), 'handled-by.db') });
  const writes = createGroupCommit(db);
  // The store comes first, the caller's table after it: the lookup is prepared at the first claim.
  const store = createSqliteStore({
    database: db,
    groupCommit: writes,
    handlerDeduplicates: true,
    handledBy: { table: 'orders', column: 'webhook_key' },
    now: () => now,
    doneTtlMs: 1_000,
  });
  t.teardown(async () => {
    await store.close();
    db.close();
  });
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, webhook_key TEXT UNIQUE)');
  const first = store.claim('k', { leaseMs: 60_000 });
  if (first instanceof Promise || first.status !== 'claimed') throw new Error('expected a synchronous claim');
  await writes.run(() => db.prepare('INSERT INTO orders (webhook_key) VALUES (?)').run('k'));
  t.equal(store.isDone('k'), true, 'done: the table holds it');
  t.equal(await store.complete('k', first.token), true);
  t.equal(db.prepare('SELECT count(*) FROM passworks_idempotency_keys').pluck().get(), 0, 'complete wrote no mark');
  t.same(store.claim('k', { leaseMs: 60_000 }), { status: 'done' });
  // Retention deletes the row: keepDone keeps the keys done for the rest of their TTL, in the caller's transaction.
  await writes.run(() => {
    store.keepDone([
      { key: 'k', doneAt: now - 500 },
      { key: 'old', doneAt: now - 5_000 },
    ]);
    db.prepare('DELETE FROM orders').run();
  });
  t.same(store.claim('k', { leaseMs: 60_000 }), { status: 'done' }, 'kept done after its row went');
  t.equal((await store.claim('old', { leaseMs: 60_000 })).status, 'claimed', 'a key past its TTL is not written');
  now += 600;
  const again = await store.claim('k', { leaseMs: 60_000 });
  t.equal(again.status, 'claimed', 'kept until doneAt + doneTtlMs only');
  // A refusal's outcome is the store's mark, read by the same one-statement lookup as the caller's table.
  if (again.status === 'claimed') await store.complete('k', again.token, { status: 422, code: 'invalid_event', message: 'no' });
  t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done', outcome: { status: 422, code: 'invalid_event', message: 'no' } });
  t.throws(() => createSqliteStore({ database: db, handledBy: { table: 'orders', column: 'webhook_key' } }), {
    code: 'invalid_config',
    message: /^handledBy: needs handlerDeduplicates/,
  });
  t.throws(
    () => createSqliteStore({ database: db, handlerDeduplicates: true, handledBy: { table: 'orders', column: 'webhook_key' }, isHandled: () => false }),
    { code: 'invalid_config', message: /^handledBy: give it or isHandled/ },
  );
  t.throws(() => createSqliteStore({ database: db, handlerDeduplicates: true, handledBy: { table: 'orders; DROP', column: 'k' } }), {
    code: 'invalid_config',
    message: /^handledBy\.table: expected an SQL identifier/,
  });
  t.throws(() => createSqliteStore({ database: db, handlerDeduplicates: true, handledBy: 'orders' as unknown as { table: string; column: string } }), {
    code: 'invalid_config',
    message: /^handledBy: expected \{ table, column \}, got string/,
  });
});

t.test('opens the file in WAL mode with the chosen synchronous level', async (t) => {
  const dir = t.testdir();
  const normal = createSqliteStore({ path: join(dir, 'a', 'normal.db') });
  const full = createSqliteStore({ path: join(dir, 'full.db'), durability: 'full' });
  t.teardown(() => Promise.all([normal.close(), full.close()]));
  t.equal(normal.database.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(normal.database.pragma('synchronous', { simple: true }), 1, 'NORMAL');
  t.equal(full.database.pragma('synchronous', { simple: true }), 2, 'FULL');
  t.ok(Number(normal.database.pragma('busy_timeout', { simple: true })) > 0);
});

/** A store on a database and group commit the test owns, closed at teardown. */
function sharedStore(t: Test): { db: Database.Database; writes: GroupCommit; store: SqliteStore } {
  const db = openDatabase({ path: join(t.testdir(), 'shared.db') });
  const writes = createGroupCommit(db);
  const store = createSqliteStore({ database: db, groupCommit: writes });
  t.teardown(async () => {
    await store.close();
    db.close();
  });
  return { db, writes, store };
}

t.test('markDone commits with the caller’s rows, and complete then writes nothing', async (t) => {
  const { db, writes, store } = sharedStore(t);
  db.exec('CREATE TABLE rows (key TEXT PRIMARY KEY)');
  const claim = await store.claim('k', { leaseMs: 60_000 });
  t.equal(claim.status, 'claimed');
  await writes.run(() => {
    db.prepare('INSERT INTO rows VALUES (?)').run('k');
    store.markDone('k');
  });
  t.equal(store.isDone('k'), true);
  const changesBefore = db.prepare('SELECT total_changes() AS n').get() as { n: number };
  t.equal(await store.complete('k', claim.status === 'claimed' ? claim.token : ''), true);
  t.same(db.prepare('SELECT total_changes() AS n').get(), changesBefore, 'no write for a key already done');
  t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done' });
});

t.test('markDone with an outcome commits it with the caller’s rows: later claims answer that refusal', async (t) => {
  const { writes, store } = sharedStore(t);
  const refused = { status: 422, code: 'event_refused', message: 'no such loyalty account' };
  await writes.run(() => store.markDone('k', refused));
  t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done', outcome: refused });
});

t.test('a keys table made by an older version gains the outcome column on open, once, keeping its rows', async (t) => {
  const path = join(t.testdir(), 'old.db');
  const old = new Database(path);
  old.exec(
    `CREATE TABLE passworks_idempotency_keys (key TEXT PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('pending', 'done')), token TEXT, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  );
  old.prepare("INSERT INTO passworks_idempotency_keys VALUES ('old', 'done', NULL, ?)").run(Date.now() + 60_000);
  old.close();
  for (let open = 0; open < 2; open++) {
    const store = createSqliteStore({ path });
    t.same(await store.claim('old', { leaseMs: 1_000 }), { status: 'done' }, `open ${open + 1}`);
    const claim = await store.claim('new', { leaseMs: 1_000 });
    if (claim.status === 'claimed') await store.complete('new', claim.token, { status: 410, code: 'event_refused', message: 'gone' });
    t.same(await store.claim('new', { leaseMs: 1_000 }), { status: 'done', outcome: { status: 410, code: 'event_refused', message: 'gone' } });
    await store.close();
  }
});

t.test('a failing piece of work rolls back alone; the rest of its batch commits', async (t) => {
  const { db, writes, store } = sharedStore(t);
  db.exec('CREATE TABLE rows (n INTEGER PRIMARY KEY)');
  const insert = db.prepare('INSERT INTO rows VALUES (?)');
  const results = await Promise.allSettled([
    writes.run(() => insert.run(1)),
    writes.run(() => {
      store.markDone('rolled-back');
      insert.run(2);
      throw new Error('boom');
    }),
    writes.run(() => insert.run(3).changes),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.same(db.prepare('SELECT n FROM rows ORDER BY n').pluck().all(), [1, 3]);
  t.equal(store.isDone('rolled-back'), false, 'the mark rolled back with its work');
});

t.test('prune deletes expired claims and done keys past their TTL only', async (t) => {
  let time = 1_000_000;
  const store = createSqliteStore({ path: join(t.testdir(), 'prune.db'), now: () => time, doneTtlMs: 1_000 });
  t.teardown(() => store.close());
  const a = await store.claim('a', { leaseMs: 500 });
  const b = await store.claim('b', { leaseMs: 5_000 });
  if (a.status === 'claimed') await store.complete('a', a.token);
  t.equal(b.status, 'claimed');
  time += 2_000;
  t.equal(await store.prune(), 1);
  t.same(store.database.prepare('SELECT key FROM passworks_idempotency_keys').pluck().all(), ['b']);
});

t.test('rejects bad options, naming the option', async (t) => {
  const path = join(t.testdir(), 'x.db');
  t.throws(() => createSqliteStore({ path, tableName: 'x; DROP TABLE y' }), { code: 'invalid_config', message: /tableName/ });
  t.throws(() => createSqliteStore({ path, doneTtlMs: 0 }), { code: 'invalid_config', message: /doneTtlMs/ });
  t.throws(() => openDatabase({ path, durability: 'sometimes' as 'full' }), { code: 'invalid_config', message: /durability/ });
  t.throws(() => createGroupCommit(new Database(':memory:'), { maxBatchSize: 0 }), { code: 'invalid_config', message: /maxBatchSize/ });
});

t.test('processes racing for the same keys on one file: exactly one claim wins per key', async (t) => {
  const path = join(t.testdir(), 'race.db');
  await createSqliteStore({ path }).close();
  const keyCount = 200;
  const bundle = await childBundle(join(import.meta.dirname, 'fixtures', 'claim-race.ts'));
  const children: ChildProcess[] = Array.from({ length: 4 }, () =>
    fork(bundle, [path, String(keyCount)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  t.teardown(() => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));
  const next = (child: ChildProcess): Promise<unknown> =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
  await Promise.all(children.map(next));
  const done = children.map(next);
  for (const child of children) child.send('go');
  const reports = (await Promise.all(done)) as Array<{ claimed: string[] }>;
  const won = reports.flatMap((report) => report.claimed);
  t.equal(won.length, keyCount, 'one claim per key in total');
  t.equal(new Set(won).size, keyCount, 'no key claimed twice');
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.prepare("SELECT count(*) FROM passworks_idempotency_keys WHERE state = 'pending'").pluck().get(), keyCount);
});
