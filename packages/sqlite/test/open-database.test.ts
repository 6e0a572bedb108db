import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommit, createSqliteStore, openDatabase, withBusyTimeout } from '@passworks-webhooks/sqlite';

t.test('a database is opened with a short busy_timeout: lock waits happen on the group commit timers', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'short.db') });
  t.teardown(() => db.close());
  t.equal(db.pragma('busy_timeout', { simple: true }), 5);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1_000, "SQLite's own: short checkpoint stalls");
});

t.test('walAutocheckpointPages sets the WAL size that triggers a checkpoint; a bad value is refused, naming it', async (t) => {
  const path = join(t.testdir(), 'checkpoint.db');
  const db = openDatabase({ path, walAutocheckpointPages: 250 });
  t.teardown(() => db.close());
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 250);
  t.throws(() => openDatabase({ path, walAutocheckpointPages: -1 }), { code: 'invalid_config', message: /walAutocheckpointPages/ });
  t.throws(() => openDatabase({ path, walAutocheckpointPages: 1.5 }), { code: 'invalid_config', message: /walAutocheckpointPages/ });
  // SQLite reads both as "never checkpoint": the WAL would grow without end.
  t.throws(() => openDatabase({ path, walAutocheckpointPages: 0 }), { code: 'invalid_config', message: /walAutocheckpointPages/ });
  t.throws(() => openDatabase({ path, walAutocheckpointPages: 2 ** 31 }), { code: 'invalid_config', message: /walAutocheckpointPages/ });
});

t.test('withBusyTimeout waits longer for start-up work, then restores the short busy_timeout', async (t) => {
  const path = join(t.testdir(), 'startup.db');
  const db = openDatabase({ path, busyTimeoutMs: 0 });
  const other = new Database(path);
  t.teardown(() => {
    other.close();
    db.close();
  });
  t.equal(
    withBusyTimeout(db, 1_000, () => db.pragma('busy_timeout', { simple: true })),
    1_000,
  );
  t.equal(db.pragma('busy_timeout', { simple: true }), 0);
  t.throws(
    () =>
      withBusyTimeout(db, 10, () => {
        throw new Error('boom');
      }),
    { message: 'boom' },
  );
  t.equal(db.pragma('busy_timeout', { simple: true }), 0, 'restored after a throw too');
  t.throws(() => withBusyTimeout(db, -1, () => 1), { code: 'invalid_config', message: /busyTimeoutMs/ });
  other.exec('BEGIN IMMEDIATE');
  t.throws(() => db.exec('CREATE TABLE a (x)'), { code: 'SQLITE_BUSY' }, 'the short timeout gives up at once');
  other.exec('COMMIT');
});

t.test('openDatabase and createSqliteStore reject bad lock options, naming them', async (t) => {
  const path = join(t.testdir(), 'bad.db');
  t.throws(() => openDatabase({ path, setupBusyTimeoutMs: -1 }), { code: 'invalid_config', message: /setupBusyTimeoutMs/ });
  t.throws(() => createSqliteStore({ path, lockWaitMs: -5 }), { code: 'invalid_config', message: /lockWaitMs/ });
  const db = openDatabase({ path });
  t.teardown(() => db.close());
  t.throws(() => createSqliteStore({ database: db, groupCommit: createGroupCommit(db), lockWaitMs: 10 }), { code: 'invalid_config', message: /lockWaitMs/ });
});

t.test("the store's claims wait for another process's lock up to lockWaitMs, then reject with store_unavailable", async (t) => {
  const path = join(t.testdir(), 'locked.db');
  const store = createSqliteStore({ path, lockWaitMs: 30 });
  const other = new Database(path);
  t.teardown(async () => {
    other.close();
    await store.close();
  });
  other.exec('BEGIN IMMEDIATE');
  await t.rejects(async () => store.claim('k', { leaseMs: 1_000 }), { code: 'store_unavailable' });
  other.exec('COMMIT');
  t.match(await store.claim('k', { leaseMs: 1_000 }), { status: 'claimed' });
});
