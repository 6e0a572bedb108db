import t from 'tap';
import { join } from 'node:path';
import { createSqliteStore } from '@passworks-webhooks/sqlite';

// Issue 8, item 4: when the database fails, the pipeline's release of a claim fails too, and the claim
// stayed pending: the platform's retries got 409 in_flight until the lease (60 s) ran out.
t.test('after a release fails, the next claim of the key in this process takes the claim back: the first retry succeeds', async (t) => {
  const path = join(t.testdir(), 'release.db');
  const store = createSqliteStore({ path });
  const other = createSqliteStore({ path });
  t.teardown(async () => {
    await other.close();
    await store.close();
  });
  const first = await store.claim('k', { leaseMs: 60_000 });
  if (first.status !== 'claimed') throw new Error('expected a claim');
  // The database refuses the release, as a full disk would.
  store.database.exec(
    `CREATE TEMP TRIGGER no_delete BEFORE DELETE ON passworks_idempotency_keys BEGIN SELECT RAISE(ABORT, 'simulated: database or disk is full'); END`,
  );
  await t.rejects(async () => store.release('k', first.token), { message: /simulated/ });
  store.database.exec('DROP TRIGGER no_delete');
  t.same(await other.claim('k', { leaseMs: 60_000 }), { status: 'in_flight' }, 'another process still waits for the lease');
  const retry = await store.claim('k', { leaseMs: 60_000 });
  t.equal(retry.status, 'claimed', 'this process takes its own failed claim back');
  if (retry.status !== 'claimed') return;
  t.not(retry.token, first.token);
  t.equal(await store.complete('k', first.token), false, 'the old token no longer holds the key');
  t.equal(await store.complete('k', retry.token), true);
  t.same(await store.claim('k', { leaseMs: 60_000 }), { status: 'done' });
});
