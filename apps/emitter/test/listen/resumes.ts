/**
 * `listen` keeps its place: killed with SIGKILL and restarted with the same
 * state file, through a receiver restart, and through a local app answering
 * 503 for a while. Run by resume.test.ts (receiver on SQLite) and
 * resume-postgres.test.ts; the receiver in process, `listen` a real process.
 */
import type { Test } from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storedIds, ADMIN_TOKEN, eventBodies, inPassOrder, listen, LOCAL_KEY, localApp, receiverOn, send } from './listen-harness.js';

const ENV = { ADMIN_TOKEN, PASSWORKS_API_KEY: LOCAL_KEY };

/** SIGKILL while events are being relayed, events meanwhile, a restart with the same state file: every event arrives, at most one repeated. */
export async function survivesSigkill(t: Test, databaseUrl?: string): Promise<void> {
  const dir = t.testdir();
  const receiver = await receiverOn(t, join(dir, 'kill.db'), 0, databaseUrl);
  const app = await localApp(t);
  const stateFile = join(dir, 'listen.json');
  const bodies = await eventBodies(6, 21);
  const half = Math.floor(bodies.length / 2);
  const first = listen(t, ['--from', receiver.url, '--forward-to', app.url, '--state-file', stateFile, '--since-id', '0'], ENV);
  await first.said('Ctrl-C to stop');
  await send(receiver.url, bodies.slice(0, half));
  // Killed mid-run: events of several passes are still to go, one may be in flight.
  await app.accepted(Math.ceil((await storedIds(receiver.url)).length / 2));
  first.child.kill('SIGKILL');
  await first.exited;
  const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { lastId: number };
  t.ok(saved.lastId > 0, 'the state file kept a place');
  await send(receiver.url, bodies.slice(half));
  const stored = await storedIds(receiver.url);
  const second = listen(t, ['--from', receiver.url, '--forward-to', app.url, '--state-file', stateFile], ENV);
  await app.accepted(new Set(stored).size);
  const ids = app.arrivals.filter((a) => a.status === 200).map((a) => a.id);
  t.same(
    [...new Set(ids)].sort((a, b) => a - b),
    stored,
    'every stored event arrived',
  );
  t.ok(ids.length - new Set(ids).size <= 1, 'at most one repeated');
  second.child.kill('SIGINT');
  t.equal(await second.exited, 0);
  const final = JSON.parse(await readFile(stateFile, 'utf8')) as { lastId: number };
  t.equal(final.lastId, Math.max(...ids), 'Ctrl-C saved the last id');
}

/** The receiver restarts (same port, same database) while `listen` runs: nothing is lost, nothing repeated. */
export async function survivesReceiverRestart(t: Test, databaseUrl?: string): Promise<void> {
  const dir = t.testdir();
  const databasePath = join(dir, 'restart.db');
  const receiver = await receiverOn(t, databasePath, 0, databaseUrl);
  const port = receiver.port;
  const app = await localApp(t);
  const bodies = await eventBodies(4, 33);
  const half = Math.floor(bodies.length / 2);
  const relay = listen(t, ['--from', receiver.url, '--forward-to', app.url, '--since-id', '0'], ENV);
  await relay.said('Ctrl-C to stop');
  await send(receiver.url, bodies.slice(0, half));
  await app.accepted((await storedIds(receiver.url)).length);
  await receiver.close();
  await relay.said('reconnecting in');
  const again = await receiverOn(t, databasePath, port, databaseUrl);
  await send(again.url, bodies.slice(half));
  const stored = await storedIds(again.url);
  await app.accepted(stored.length);
  const ids = app.arrivals.filter((a) => a.status === 200).map((a) => a.id);
  t.same(
    [...ids].sort((a, b) => a - b),
    stored,
    'every stored event arrived, none repeated',
  );
  t.match(relay.stderr(), /connected to the receiver again/);
}

/** The local app answers 503 for several seconds, then recovers: everything arrives, in per-pass order. */
export async function survivesLocalOutage(t: Test, databaseUrl?: string): Promise<void> {
  const receiver = await receiverOn(t, join(t.testdir(), 'outage.db'), 0, databaseUrl);
  const app = await localApp(t);
  const bodies = await eventBodies(5, 44);
  const relay = listen(t, ['--from', receiver.url, '--forward-to', app.url, '--since-id', '0'], ENV);
  await relay.said('Ctrl-C to stop');
  app.failing = true;
  await send(receiver.url, bodies);
  const stored = await storedIds(receiver.url);
  // Fails until several passes were refused and retried (Retry-After: 1 s each), then recovers.
  await relay.printed(12);
  app.failing = false;
  const arrived = await app.accepted(stored.length);
  t.same(
    arrived.map((a) => a.id).sort((a, b) => a - b),
    stored,
    'every stored event arrived, each once',
  );
  t.ok(inPassOrder(app.arrivals), 'per-pass order');
  t.ok(
    relay.lines.some((line) => / <-- \[503\] \d+ ms {2}\(retry in 1\.0 s\)$/.test(line)),
    'the failing pass reported on its line',
  );
  t.ok(app.arrivals.some((a) => a.status === 503));
}

/** Started live (no --since-id): a receiver restart before the first event loses nothing sent after the start. */
export async function startsLiveAcrossRestart(t: Test, databaseUrl?: string): Promise<void> {
  const dir = t.testdir();
  const databasePath = join(dir, 'live.db');
  const receiver = await receiverOn(t, databasePath, 0, databaseUrl);
  const port = receiver.port;
  const app = await localApp(t);
  const bodies = await eventBodies(4, 55);
  const half = Math.floor(bodies.length / 2);
  await send(receiver.url, bodies.slice(0, half));
  const before = await storedIds(receiver.url);
  const relay = listen(t, ['--from', receiver.url, '--forward-to', app.url], ENV);
  await relay.said('connected to the receiver\n');
  await receiver.close();
  await relay.said('reconnecting in');
  const again = await receiverOn(t, databasePath, port, databaseUrl);
  // Sent while listen waits to reconnect: its start position, not the receiver's "now" at the reconnect, decides.
  await send(again.url, bodies.slice(half));
  const after = (await storedIds(again.url)).filter((id) => !before.includes(id));
  await app.accepted(after.length);
  t.same(
    app.arrivals
      .filter((a) => a.status === 200)
      .map((a) => a.id)
      .sort((a, b) => a - b),
    after,
    'exactly the events stored after the start, once each',
  );
}
