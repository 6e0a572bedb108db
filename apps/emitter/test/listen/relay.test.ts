/**
 * `listen` as a real process between an in-process receiver (SQLite) and a
 * real local app: exact bytes and headers, per-pass order, the line format,
 * filters (these two also on PostgreSQL: relay-postgres.test.ts), a refused
 * admin token, a bad URL and --since.
 */
import t from 'tap';
import { join } from 'node:path';
import { ADMIN_TOKEN, eventBodies, listen, receiverOn, send, storedIds } from './listen-harness.js';
import { filtersHold, relaysExactly } from './relays-exactly.js';

t.test('relays every event byte-identical with its headers, in per-pass order, one line each (SQLite)', (t) => relaysExactly(t));

t.test('filters: --event (two names) and --pass-id only print matching events (a tail, --json; SQLite)', (t) => filtersHold(t));

t.test('a wrong admin token exits 2 without echoing it', async (t) => {
  const receiver = await receiverOn(t, join(t.testdir(), 'auth.db'));
  const wrong = 'wrong-admin-token-secret-9876';
  const relay = listen(t, ['--from', receiver.url, '--admin-token', wrong]);
  t.equal(await relay.exited, 2);
  t.match(relay.stderr(), /refused the admin token \(401\)/);
  t.notOk(`${relay.lines.join('\n')}${relay.stderr()}`.includes(wrong));
});

t.test('a bad URL exits 2', async (t) => {
  const relay = listen(t, ['--from', 'not a url', '--admin-token', ADMIN_TOKEN]);
  t.equal(await relay.exited, 2);
  t.match(relay.stderr(), /--from: not a URL/);
});

t.test('--since goes through the stored events from that event time on, then live', async (t) => {
  const receiver = await receiverOn(t, join(t.testdir(), 'since.db'));
  const bodies = await eventBodies(3, 12);
  await send(receiver.url, bodies);
  const times = bodies.map((body) => (JSON.parse(body) as { event_at: string }).event_at);
  const since = times[Math.floor(times.length / 2)] as string;
  // Sent in event time order, so the stored ids follow it: the tail shows every event from the first one at or after `since`.
  const expected = times.length - times.findIndex((at) => Date.parse(at) >= Date.parse(since));
  const tail = listen(t, ['--from', receiver.url, '--admin-token', ADMIN_TOKEN, '--since', since, '--json']);
  await tail.printed(expected);
  const storedBefore = await storedIds(receiver.url);
  const firstId = storedBefore[storedBefore.length - expected] as number;
  await send(receiver.url, await eventBodies(1, 99));
  const all = await storedIds(receiver.url);
  await tail.printed(expected + all.length - storedBefore.length);
  tail.child.kill('SIGINT');
  t.equal(await tail.exited, 0);
  const shown = tail.lines.map((line) => JSON.parse(line) as { id: number });
  t.same(
    shown.map((e) => e.id).sort((a, b) => a - b),
    all.filter((id) => id >= firstId),
    'every event from the first one at or after --since, then the live ones',
  );
});
