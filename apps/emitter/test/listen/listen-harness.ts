/** Shared parts of the `listen` tests: a receiver, a local app, a `listen` child process, events to send. */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { Test } from 'tap';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { startReceiver, type RunningReceiver } from '@passworks-webhooks/receiver';
import { childBundle } from '../../../../scripts/child-bundle.mjs';
import { runCli } from '../../src/cli/index.js';

export const API_KEY = 'pk_listen_receiver_key_0123';
export const LOCAL_KEY = 'pk_listen_local_app_key_4567';
export const ADMIN_TOKEN = 'admin-token-listen-0123456789';
const BIN = await childBundle(join(import.meta.dirname, '../../src/bin.ts'));

type Tap = { teardown(fn: () => unknown): void };

/** The reference receiver in process on SQLite (or PostgreSQL at `databaseUrl`), polling its stream every 50 ms. */
export async function receiverOn(t: Tap, databasePath: string, port = 0, databaseUrl?: string): Promise<RunningReceiver> {
  const receiver = await startReceiver({
    apiKeys: [API_KEY],
    adminToken: ADMIN_TOKEN,
    databasePath,
    databaseUrl,
    port,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
    eventStream: { pollMs: 50 },
    shutdownGraceMs: 100,
  });
  t.teardown(() => receiver.close());
  return receiver;
}

/** Simulated events as NDJSON lines, re-spaced so their bytes differ from any re-serialisation. */
export async function eventBodies(passes: number, seed = 7): Promise<string[]> {
  let out = '';
  await runCli(['generate', '--seed', String(seed), '--passes', String(passes)], {
    stdout: { write: (text: string) => (out += text) },
    stderr: { isTTY: false, write: () => true },
    env: {},
  });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.stringify(JSON.parse(line) as unknown, null, 1));
}

/** POSTs bodies to the receiver, one after the other (a failed connection tried once more); fails the test on a non-2xx. */
export async function send(receiverUrl: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const post = (): Promise<Response> =>
      fetch(`${receiverUrl}/webhooks/passworks`, { method: 'POST', headers: { authorization: API_KEY, 'content-type': 'application/json' }, body });
    // A kept-alive socket to a receiver closed since (a restart on the same port) fails once: the receiver dedupes, so posting again is safe.
    const response = await post().catch(post);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`receiver answered ${response.status}`);
  }
}

/** One request the local app got. */
export interface Arrival {
  readonly id: number;
  readonly body: Buffer;
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
}

/** A local node:http app recording each request; `failing` set makes it answer 503 (Retry-After: 1). */
export interface LocalApp {
  readonly url: string;
  readonly arrivals: Arrival[];
  failing: boolean;
  /** Resolves with the 2xx requests once `count` distinct event ids were answered 2xx (rejects after `timeoutMs`). */
  accepted(count: number, timeoutMs?: number): Promise<Arrival[]>;
}

export async function localApp(t: Tap): Promise<LocalApp> {
  const waiters = new Set<() => void>();
  const app: LocalApp = {
    url: '',
    arrivals: [],
    failing: false,
    accepted: (count, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const ok = (): Arrival[] => app.arrivals.filter((a) => a.status === 200);
        const check = (): void => {
          if (new Set(ok().map((a) => a.id)).size < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(ok());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${ok().length} of ${count} events arrived`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = app.failing ? 503 : 200;
      app.arrivals.push({ id: Number(req.headers['x-passworks-event-id']), body: Buffer.concat(chunks), headers: req.headers, status });
      res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end();
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  (app as { url: string }).url = `http://127.0.0.1:${address.port}/webhooks/passworks`;
  return app;
}

/** A running `passworks-emitter listen` child process. */
export interface ListenProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Resolves once a stderr line contains `text` (rejects after 20 s). */
  said(text: string): Promise<void>;
  /** Resolves once stdout has `count` lines (rejects after 20 s). */
  printed(count: number): Promise<void>;
}

/** Starts `listen` as a real child process; killed in teardown. */
export function listen(t: Tap, args: readonly string[], env: Record<string, string> = {}): ListenProcess {
  const child = spawn(process.execPath, [BIN, 'listen', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  const errWaiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...errWaiters]) waiter();
  });
  const until = (done: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        errWaiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => (errWaiters.delete(check), reject(new Error(`listen never ${what}; stderr: ${err}`))), 20_000);
      errWaiters.add(check);
      check();
    });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    for (const waiter of [...errWaiters]) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    said: (text) => until(() => err.includes(text), `said ${JSON.stringify(text)}`),
    printed: (count) => until(() => lines.length >= count, `printed ${count} lines`),
  };
}

/** The stored raw bytes of an event. */
export async function rawOf(receiverUrl: string, id: number): Promise<Buffer> {
  const response = await fetch(`${receiverUrl}/api/events/${id}/raw`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return Buffer.from(await response.arrayBuffer());
}

/** Whether, for each pass, the ids arrived in ascending (receiver) order. */
export function inPassOrder(arrivals: readonly Arrival[]): boolean {
  const last = new Map<string, number>();
  for (const arrival of arrivals.filter((a) => a.status === 200)) {
    const passId = (JSON.parse(arrival.body.toString('utf8')) as { pass_id: string }).pass_id;
    if ((last.get(passId) ?? 0) >= arrival.id) return false;
    last.set(passId, arrival.id);
  }
  return true;
}

/** The ids of the events the receiver stored (it drops exact duplicates, so there may be fewer than sent). */
export async function storedIds(receiverUrl: string): Promise<number[]> {
  const response = await fetch(`${receiverUrl}/api/events?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const page = (await response.json()) as { data: { id: number }[] };
  return page.data.map((row) => row.id).sort((a, b) => a - b);
}

/** A receiver ({@link receiverOn}) holding the events of `passes` passes (`seed`): their bodies and the ids it stored. */
export async function receiverHolding(
  t: Tap,
  databasePath: string,
  passes: number,
  seed: number,
): Promise<{ receiver: RunningReceiver; bodies: string[]; stored: number[] }> {
  const receiver = await receiverOn(t, databasePath);
  const bodies = await eventBodies(passes, seed);
  await send(receiver.url, bodies);
  return { receiver, bodies, stored: await storedIds(receiver.url) };
}

/** Events of several passes stored, and the filter flags of `listen` that keep some of them: one pass, two event names. */
export interface FilterCase {
  readonly args: readonly string[];
  /** How many stored events match. */
  readonly expected: number;
  /** Whether every `--json` line printed matches. */
  holds(lines: readonly string[]): boolean;
}

export async function filterCase(receiverUrl: string, seed: number): Promise<FilterCase> {
  const bodies = await eventBodies(3, seed);
  await send(receiverUrl, bodies);
  const parsed = bodies.map((body) => JSON.parse(body) as { event: string; pass_id: string });
  const passId = (parsed[0] as { pass_id: string }).pass_id;
  const names = ['installed', 'created'];
  const matches = (e: { event: string; pass_id: string }): boolean => e.pass_id === passId && names.includes(e.event);
  return {
    args: ['--event', names.join(', '), '--pass-id', passId, '--json'],
    expected: parsed.filter(matches).length,
    holds: (lines) => lines.map((line) => JSON.parse(line) as { event: string; pass_id: string }).every(matches),
  };
}

/** A check of `listen` against a receiver on SQLite (`databaseUrl` undefined) or on the PostgreSQL database at `databaseUrl`. */
export type ListenCheck = (t: Test, databaseUrl?: string) => Promise<void>;

/**
 * Runs each check as a subtest with the receiver on its own fresh PostgreSQL
 * database (each check counts every event its receiver stored); without a
 * server outside CI, plans no tests and says why.
 */
export async function onPostgres(t: Test, checks: Readonly<Record<string, ListenCheck>>): Promise<void> {
  const probe = await openTestDatabase();
  if ('skip' in probe) return t.plan(0, probe.skip);
  await probe.drop();
  for (const [name, check] of Object.entries(checks)) {
    await t.test(`${name} (PostgreSQL)`, async (t) => {
      const database = await openTestDatabase();
      if ('skip' in database) throw new Error(database.skip);
      // Dropped after the subtest's own teardown closed the receiver on it.
      try {
        await t.test(name, (t) => check(t, database.connectionString));
      } finally {
        await database.drop();
      }
    });
  }
}
