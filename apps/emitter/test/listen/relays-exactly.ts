/** The main relay checks, run by relay.test.ts on SQLite and relay-postgres.test.ts on PostgreSQL. */
import type { Test } from 'tap';
import { join } from 'node:path';
import { storedIds, ADMIN_TOKEN, eventBodies, filterCase, inPassOrder, listen, LOCAL_KEY, localApp, rawOf, receiverOn, send } from './listen-harness.js';

/** Relays every event byte-identical with its headers, in per-pass order, one line each. */
export async function relaysExactly(t: Test, databaseUrl?: string): Promise<void> {
  const receiver = await receiverOn(t, join(t.testdir(), 'relay.db'), 0, databaseUrl);
  const app = await localApp(t);
  const bodies = await eventBodies(4);
  const relay = listen(t, ['--from', receiver.url, '--forward-to', app.url, '--since-id', '0'], { ADMIN_TOKEN, PASSWORKS_API_KEY: LOCAL_KEY });
  await relay.said('Ctrl-C to stop');
  await send(receiver.url, bodies);
  const stored = await storedIds(receiver.url);
  const arrived = await app.accepted(stored.length);
  t.same(
    arrived.map((a) => a.id).sort((a, b) => a - b),
    stored,
    'each stored event once',
  );
  t.same(new Set(arrived.map((a) => a.body.toString('utf8'))), new Set(bodies), 'the bodies sent to the receiver');
  for (const arrival of arrived) {
    t.ok(arrival.body.equals(await rawOf(receiver.url, arrival.id)), `event #${arrival.id}: the stored raw bytes`);
    t.equal(arrival.headers.authorization, LOCAL_KEY);
    t.equal(arrival.headers['content-type'], 'application/json; charset=utf-8');
  }
  t.ok(inPassOrder(arrived), 'per-pass order');
  relay.child.kill('SIGINT');
  t.equal(await relay.exited, 0, 'Ctrl-C exits 0');
  const relayed = relay.lines.filter((line) => line.includes('<-- [200]'));
  t.equal(relayed.length, stored.length, 'one line per event');
  t.match(relayed[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}--> [a-z_]+ {2}pass [0-9a-f-]{36} {2}#\d+ {2}<-- \[200\] \d+ ms$/);
  t.notOk(`${relay.lines.join('\n')}${relay.stderr()}`.includes(ADMIN_TOKEN), 'no admin token in the output');
  t.notOk(`${relay.lines.join('\n')}${relay.stderr()}`.includes(LOCAL_KEY), 'no api key in the output');
}

/** A tail with --event (two names, kept by listen) and --pass-id (kept by the receiver) prints exactly the matching events. */
export async function filtersHold(t: Test, databaseUrl?: string): Promise<void> {
  const receiver = await receiverOn(t, join(t.testdir(), 'filters.db'), 0, databaseUrl);
  const filter = await filterCase(receiver.url, 11);
  t.ok(filter.expected >= 2, 'the filter keeps some events');
  const tail = listen(t, ['--from', receiver.url, '--admin-token', ADMIN_TOKEN, '--since-id', '0', ...filter.args]);
  await tail.printed(filter.expected);
  tail.child.kill('SIGINT');
  t.equal(await tail.exited, 0);
  t.equal(tail.lines.length, filter.expected, 'exactly the matching events');
  t.ok(filter.holds(tail.lines), 'each of them matches');
  t.ok(
    tail.lines.every((line) => (JSON.parse(line) as { status: unknown }).status === null),
    'printed, not forwarded',
  );
}
