import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { postUntilAccepted, spawnReceiver } from '../processes.js';

t.test('two receiver processes on one file taking the same 100 events concurrently store exactly 100 rows', async (t) => {
  const databasePath = join(t.testdir(), 'shared.db');
  const [a, b] = await Promise.all([spawnReceiver(t, databasePath), spawnReceiver(t, databasePath)]);
  const bodies = Array.from({ length: 100 }, () => JSON.stringify(makePassEvent()));
  const answers = await Promise.all(bodies.flatMap((body) => [postUntilAccepted(a.url, body), postUntilAccepted(b.url, body)]));
  t.equal(answers.filter((r) => r.status === 200).length, 200, 'every delivery ends accepted');
  t.equal(answers.filter((r) => r.duplicate === false).length, 100, 'each event processed by one process');
  t.equal(answers.filter((r) => r.duplicate === true).length, 100, 'and answered as a duplicate by the other');
  const db = new Database(databasePath, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 100);
  t.equal(db.prepare('SELECT count(DISTINCT idempotency_key) FROM events').pluck().get(), 100);
  t.equal(db.prepare('SELECT count(*) FROM passes').pluck().get(), 100);
});
