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
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.match((results[1] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  t.equal(count(), 2);
  t.same((db.prepare('SELECT value FROM rows ORDER BY value').pluck().all() as string[]), ['a', 'b']);
  t.same(sizes, [3]);
});

t.test('after close, new work is refused with store_unavailable', async (t) => {
  const { db, insert } = setup(t);
  const writes = createGroupCommit(db);
  const pending = writes.run(() => insert.run('last'));
  await writes.close();
  await pending;
  await t.rejects(writes.run(() => insert.run('late')), { code: 'store_unavailable' });
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
