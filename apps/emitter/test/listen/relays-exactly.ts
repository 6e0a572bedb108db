/** The main relay check, run by relay.test.ts on SQLite and relay-postgres.test.ts on PostgreSQL. */
import type { Test } from 'tap';
import { join } from 'node:path';
import { storedIds, ADMIN_TOKEN, eventBodies, inPassOrder, listen, LOCAL_KEY, localApp, rawOf, receiverOn, send } from './listen-harness.js';

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
  t.same(arrived.map((a) => a.id).sort((a, b) => a - b), stored, 'each stored event once');
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
