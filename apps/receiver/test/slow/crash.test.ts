import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { defaultIdempotencyKey } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { post, postUntilAccepted, spawnReceiver } from '../processes.js';

t.test('SIGKILL under load loses no acknowledged event; after a restart every event is stored exactly once', async (t) => {
  const databasePath = join(t.testdir(), 'crash.db');
  // A lease just past the handler budget, so claims the dead process held expire within the test.
  const env = { LEASE_MS: '4500' };
  const first = await spawnReceiver(t, databasePath, env);
  const events = Array.from({ length: 3_000 }, () => makePassEvent());
  const acked = new Set<number>();
  let next = 0;
  let killed = false;
  let failed = 0;
  // Workers keep sending until the dead process refuses them, so the kill lands mid-load.
  const worker = async (): Promise<void> => {
    while (next < events.length) {
      const index = next++;
      const answer = await post(first.url, JSON.stringify(events[index]));
      if (answer.status === 200) acked.add(index);
      if (answer.status === 0) {
        failed += 1;
        return;
      }
      if (acked.size >= 500 && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const sent = next;
  t.ok(killed, 'killed mid-load');
  t.ok(failed > 0 && sent > acked.size, `requests were in flight at the kill (sent ${sent}, acknowledged ${acked.size}, cut ${failed})`);
  if (first.child.exitCode === null && first.child.signalCode === null) await new Promise((resolve) => first.child.once('exit', resolve));
  t.equal(first.child.signalCode, 'SIGKILL');

  const check = new Database(databasePath);
  t.teardown(() => check.close());
  t.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  const countOf = check.prepare<[string], number>('SELECT count(*) FROM events WHERE idempotency_key = ?').pluck();
  const missing = [...acked].filter((i) => countOf.get(defaultIdempotencyKey(events[i] as never)) !== 1);
  t.same(missing, [], 'every acknowledged event is stored exactly once');

  const second = await spawnReceiver(t, databasePath, env);
  const redelivered = await Promise.all(events.slice(0, sent).map((event) => postUntilAccepted(second.url, JSON.stringify(event))));
  t.equal(redelivered.filter((r) => r.status === 200).length, sent, 'the platform retrying every delivery gets 200 for each');
  t.equal(redelivered.filter((r, i) => acked.has(i) && r.duplicate !== true).length, 0, 'acknowledged events are duplicates');
  t.equal(check.prepare('SELECT count(*) FROM events').pluck().get(), sent);
  t.equal(check.prepare('SELECT count(DISTINCT idempotency_key) FROM events').pluck().get(), sent);
  t.equal(check.pragma('integrity_check', { simple: true }), 'ok');
});
