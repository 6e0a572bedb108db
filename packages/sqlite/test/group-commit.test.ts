import t, { type Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';

function setup(t: Test) {
  const path = join(t.testdir(), 'group.db');
  const db = openDatabase({ path });
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE)');
  const reader = new Database(path, { readonly: true });
  t.teardown(() => {
    reader.close();
    db.close();
  });
  const insert = db.prepare('INSERT INTO rows (value) VALUES (?)');
  const count = () => (reader.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n;
  return { db, insert, count };
}

t.test('work queued in one turn commits in one transaction, and each promise settles after the commit', async (t) => {
  const { db, insert, count } = setup(t);
  const sizes: number[] = [];
  const writes = createGroupCommit(db, { onCommit: (size) => sizes.push(size) });
  const seenAtResolve: number[] = [];
  await Promise.all(Array.from({ length: 25 }, (_, i) => writes.run(() => insert.run(`v${i}`)).then(() => seenAtResolve.push(count()))));
  t.same(sizes, [25]);
  t.same(new Set(seenAtResolve), new Set([25]), 'another connection sees every row when any promise resolves');
});

t.test('a piece that throws fails alone: the rest of its batch commits, its own writes do not', async (t) => {
  const { db, insert, count } = setup(t);
  const sizes: number[] = [];
  const writes = createGroupCommit(db, { onCommit: (size) => sizes.push(size) });
  const results = await Promise.allSettled([
    writes.run(() => insert.run('a')),
    writes.run(() => {
      insert.run('half-done');
      insert.run('a'); // UNIQUE violation after a write of its own
    }),
    writes.run(() => insert.run('b')),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.match((results[1] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  t.equal(count(), 2);
  t.same(db.prepare('SELECT value FROM rows ORDER BY value').pluck().all() as string[], ['a', 'b']);
  t.same(sizes, [3]);
});

t.test(
  'beforeCommit work runs once per batch after its pieces, inside its transaction, also after a piece threw; when it throws the batch fails whole',
  async (t) => {
    const { db, insert, count } = setup(t);
    db.exec('CREATE TABLE tally (batches INTEGER NOT NULL, rows_seen INTEGER NOT NULL)');
    const writes = createGroupCommit(db);
    const tally = db.prepare('INSERT INTO tally (batches, rows_seen) SELECT 1, count(*) FROM rows');
    let failing = false;
    writes.beforeCommit(() => {
      tally.run();
      if (failing) throw new Error('summary failed');
    });
    const batch = (values: string[]) => Promise.allSettled(values.map((value) => writes.run(() => insert.run(value))));
    await batch(['a', 'b', 'c']);
    // A piece that throws (a duplicate value) sends the batch through savepoints: the work still runs once, after them.
    const settled = await batch(['d', 'a', 'e']);
    t.same(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    t.same(db.prepare('SELECT batches, rows_seen FROM tally ORDER BY rowid').all(), [
      { batches: 1, rows_seen: 3 },
      { batches: 1, rows_seen: 5 },
    ]);
    failing = true;
    const failed = await batch(['f', 'g']);
    t.same(
      failed.map((s) => (s.status === 'rejected' ? (s.reason as { code?: string }).code : s.status)),
      ['store_unavailable', 'store_unavailable'],
    );
    t.equal(count(), 5, 'nothing of the failed batch is kept');
    t.equal((db.prepare('SELECT count(*) AS n FROM tally').get() as { n: number }).n, 2, "nor the failed work's own write");
  },
);

t.test('after close, new work is refused with store_unavailable', async (t) => {
  const { db, insert } = setup(t);
  const writes = createGroupCommit(db);
  const pending = writes.run(() => insert.run('last'));
  await writes.close();
  await pending;
  await t.rejects(
    writes.run(() => insert.run('late')),
    { code: 'store_unavailable' },
  );
});

t.test('an onCommit hook that throws does not fail work that is committed', async (t) => {
  const { db, insert, count } = setup(t);
  const writes = createGroupCommit(db, {
    onCommit: () => {
      throw new Error('metrics are down');
    },
  });
  const results = await Promise.allSettled([writes.run(() => insert.run('a').changes), writes.run(() => insert.run('b').changes)]);
  t.same(results, [
    { status: 'fulfilled', value: 1 },
    { status: 'fulfilled', value: 1 },
  ]);
  t.equal(count(), 2);
});

/** Caps the file at its current size: the next write that needs a new page fails with SQLITE_FULL, as on a full disk. */
function fillDisk(db: Database.Database): () => void {
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  return () => void db.pragma('max_page_count = 1073741823');
}

// Issue 8, item 4: SQLITE_FULL rolled the transaction back, the savepoint rerun then ran the later pieces
// outside any transaction (each autocommitted) and the final COMMIT failed: every caller was told "failed"
// while some rows were saved.
t.test('a batch that hits SQLITE_FULL keeps nothing of it and rejects every caller with store_unavailable; the first retry after commits', async (t) => {
  const { db, insert, count } = setup(t);
  insert.run('seed');
  const free = fillDisk(db);
  const writes = createGroupCommit(db);
  const pieces = [
    () => insert.run('small-1'),
    () => {
      throw new Error('a piece that fails on its own'); // forces the rerun with savepoints
    },
    () => insert.run('x'.repeat(20_000)), // needs new pages: SQLITE_FULL
    () => insert.run('small-2'),
  ];
  const results = await Promise.allSettled(pieces.map((piece) => writes.run(piece)));
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected', 'rejected'],
    'every caller is told',
  );
  for (const result of results) t.match((result as PromiseRejectedResult).reason, { code: 'store_unavailable' });
  t.equal(count(), 1, 'nothing of the batch is on disk');
  t.equal(db.inTransaction, false);
  free();
  const retried = await Promise.allSettled([writes.run(() => insert.run('small-1').changes), writes.run(() => insert.run('x'.repeat(20_000)).changes)]);
  t.same(retried, [
    { status: 'fulfilled', value: 1 },
    { status: 'fulfilled', value: 1 },
  ]);
  t.equal(count(), 3);
});

t.test('an I/O error thrown inside a piece fails the whole batch: nothing of it is kept, every caller gets store_unavailable', async (t) => {
  const { db, insert, count } = setup(t);
  const writes = createGroupCommit(db);
  const results = await Promise.allSettled([
    writes.run(() => insert.run('a')),
    writes.run(() => {
      insert.run('b');
      throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
    }),
    writes.run(() => insert.run('c')),
  ]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  for (const result of results) t.match((result as PromiseRejectedResult).reason, { code: 'store_unavailable', cause: { code: 'SQLITE_IOERR_WRITE' } });
  t.equal(count(), 0);
  t.equal(await writes.run(() => insert.run('a').changes), 1, 'the next batch commits');
});

t.test('a piece that swallows an error after SQLite rolled the transaction back cannot make the next pieces autocommit', async (t) => {
  const { db, insert, count } = setup(t);
  insert.run('seed');
  const free = fillDisk(db);
  const writes = createGroupCommit(db);
  const results = await Promise.allSettled([
    writes.run(() => insert.run('small-1')),
    writes.run(() => {
      try {
        insert.run('y'.repeat(20_000));
      } catch {
        // swallowed: the transaction is gone all the same
      }
    }),
    writes.run(() => insert.run('small-2')),
  ]);
  free();
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  t.equal(count(), 1, 'small-2 did not run outside the transaction');
});

t.test('a failed COMMIT rolls the batch back and tells every caller', async (t) => {
  const { db, insert, count } = setup(t);
  db.exec('CREATE TABLE parents (id INTEGER PRIMARY KEY); CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)');
  const writes = createGroupCommit(db);
  const results = await Promise.allSettled([writes.run(() => insert.run('a')), writes.run(() => db.prepare('INSERT INTO children VALUES (42)').run())]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  t.match((results[0] as PromiseRejectedResult).reason, { code: 'store_unavailable', cause: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
  t.equal(count(), 0);
  t.equal(db.inTransaction, false);
  t.equal(await writes.run(() => insert.run('a').changes), 1);
});

// Issue 8, item 5: BEGIN IMMEDIATE busy-waited the whole busy_timeout (5 s) with the event loop frozen, twice.
t.test('while another connection holds the write lock, the event loop keeps running and the write commits once the lock is free', async (t) => {
  const { db, insert, count } = setup(t);
  const other = new Database(db.name);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const writes = createGroupCommit(db);
  const written = writes.run(() => insert.run('after the lock').changes);
  let ticks = 0;
  const ticker = setInterval(() => (ticks += 1), 10);
  // The holder lets go from a timer: it only fires if the loop is not blocked inside SQLite.
  setTimeout(() => other.exec('COMMIT'), 200);
  t.equal(await written, 1);
  clearInterval(ticker);
  t.ok(ticks > 0, `timers ran while the write waited (${ticks} ticks)`);
  t.equal(count(), 1);
});

t.test('a write that waited for the lock longer than lockWaitMs rejects with store_unavailable, and the next one after the lock is free commits', async (t) => {
  const { db, insert, count } = setup(t);
  const other = new Database(db.name);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const writes = createGroupCommit(db, { lockWaitMs: 50 });
  await t.rejects(
    writes.run(() => insert.run('never')),
    { code: 'store_unavailable', message: /locked by another connection for 50 ms/ },
  );
  other.exec('COMMIT');
  t.equal(count(), 0);
  t.equal(await writes.run(() => insert.run('now').changes), 1);
});

// Issue 8, item 11: close() returned before writes queued by the continuations of its last batch.
t.test('close() waits for work queued by the continuations of its last batch and while closing', async (t) => {
  const { db, insert, count } = setup(t);
  const writes = createGroupCommit(db);
  const chained = writes
    .run(() => insert.run('first'))
    .then(async () => {
      await null; // a few promise hops, like a pipeline marking a key done after its handler
      await null;
      return writes.run(() => insert.run('second').changes);
    });
  const closed = writes.close();
  const duringClose = writes.run(() => insert.run('while closing').changes);
  await closed;
  t.equal(count(), 3, 'everything queued before close resolved is committed');
  t.equal(await chained, 1);
  t.equal(await duringClose, 1);
  await t.rejects(
    writes.run(() => insert.run('late')),
    { code: 'store_unavailable' },
  );
});

t.test('createGroupCommit rejects a bad lockWaitMs, naming it', async (t) => {
  const { db } = setup(t);
  t.throws(() => createGroupCommit(db, { lockWaitMs: -1 }), { code: 'invalid_config', message: /lockWaitMs/ });
});

/** A database with a counter (no unique key: a piece kept twice would show) and a log, and a second connection on its file. */
function counterSetup(t: Test) {
  const path = join(t.testdir(), 'counter.db');
  const db = openDatabase({ path });
  db.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0); CREATE TABLE log (piece TEXT NOT NULL)');
  const other = new Database(path);
  t.teardown(() => {
    other.close();
    db.close();
  });
  const bump = db.prepare('UPDATE counter SET n = n + 1');
  const log = db.prepare('INSERT INTO log VALUES (?)');
  const n = (): number => other.prepare('SELECT n FROM counter').pluck().get() as number;
  const logged = (): string[] => other.prepare('SELECT piece FROM log ORDER BY piece').pluck().all() as string[];
  return { db, other, bump, log, n, logged };
}

/** `db`, running `hook(n)` before the group commit's n-th `BEGIN IMMEDIATE` (from 1). */
function onBegin(db: Database.Database, hook: (n: number) => void): Database.Database {
  let begins = 0;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (sql !== 'BEGIN IMMEDIATE') return statement;
          return {
            run: () => {
              begins += 1;
              hook(begins);
              return statement.run();
            },
          };
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

t.test('a piece that throws: every other piece is kept exactly once, the thrower’s writes are gone', async (t) => {
  const { db, bump, log, n, logged } = counterSetup(t);
  const sizes: number[] = [];
  const runs = { a: 0, boom: 0, c: 0 };
  const writes = createGroupCommit(db, { onCommit: (size) => sizes.push(size) });
  const boom = new Error('boom');
  const results = await Promise.allSettled([
    writes.run(() => {
      runs.a += 1;
      bump.run();
      log.run('a');
    }),
    writes.run(() => {
      runs.boom += 1;
      bump.run();
      log.run('boom');
      throw boom;
    }),
    writes.run(() => {
      runs.c += 1;
      bump.run();
      log.run('c');
    }),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.equal((results[1] as PromiseRejectedResult).reason, boom);
  t.equal(n(), 2);
  t.same(logged(), ['a', 'c']);
  t.same(sizes, [3], 'one committed batch');
  t.same(runs, { a: 2, boom: 2, c: 1 }, 'the plain try stopped at the thrower; the isolated try ran each piece once');
  t.equal(db.inTransaction, false);
});

t.test('another connection takes the lock between the rollback and the new BEGIN: the batch waits, then commits each piece once', async (t) => {
  const { db, other, bump, log, n, logged } = counterSetup(t);
  const proxied = onBegin(db, (begin) => {
    if (begin !== 2) return;
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO log VALUES (?)').run('other');
    other.prepare('UPDATE counter SET n = n + 100').run();
    setTimeout(() => other.exec('COMMIT'), 30);
  });
  const writes = createGroupCommit(proxied, { lockWaitMs: 2_000 });
  const boom = new Error('boom');
  const results = await Promise.allSettled([
    writes.run(() => {
      bump.run();
      log.run('a');
    }),
    writes.run(() => {
      bump.run();
      log.run('boom');
      throw boom;
    }),
    writes.run(() => {
      bump.run();
      log.run('c');
    }),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.equal((results[1] as PromiseRejectedResult).reason, boom);
  t.equal(n(), 102);
  t.same(logged(), ['a', 'c', 'other']);
  t.equal(db.inTransaction, false);
});

t.test('a batch whose piece threw goes straight to savepoints on its retries: another connection taking every gap cannot starve it', async (t) => {
  const { db, other, bump, log, logged } = counterSetup(t);
  // Every second BEGIN finds the lock taken (for 5 ms): a batch that rolled back and began again on every try would never commit.
  const proxied = onBegin(db, (begin) => {
    if (begin % 2 !== 0) return;
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO log VALUES (?)').run(`other-${begin}`);
    setTimeout(() => other.exec('COMMIT'), 5);
  });
  const writes = createGroupCommit(proxied, { lockWaitMs: 300 });
  const results = await Promise.allSettled([
    writes.run(() => {
      bump.run();
      log.run('a');
    }),
    writes.run(() => {
      throw new Error('boom');
    }),
  ]);
  t.equal(results[0]?.status, 'fulfilled');
  t.match((results[1] as PromiseRejectedResult).reason, { message: 'boom' });
  t.same(
    logged().filter((piece) => !piece.startsWith('other')),
    ['a'],
  );
});
