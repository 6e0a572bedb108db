import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { API_KEY } from '../helpers.js';
import { spawnReceiver } from '../processes.js';

// Issue 8, "done when": the receiver's database on a small tmpfs filled until writes fail.
// Every answer during the fault is 2xx-and-stored or 503 with Retry-After, /healthz keeps answering,
// and once space is back every retried event is accepted at the first retry and stored exactly once.

/** Mounts a 2 MiB tmpfs on `dir`; false when this process may not mount (not root). */
function mountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether this process may mount a tmpfs: tried once on a scratch folder. */
function canMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'passworks-tmpfs-'));
  try {
    if (!mountTmpfs(dir)) return false;
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes zeros into `path` until the file system is full; returns the bytes written. */
function fillUp(path: string): number {
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(4_096);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly code: string | undefined;
}

async function post(url: string, body: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: API_KEY },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as { error?: { code: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: json.error?.code };
}

const skip = canMount() ? false : 'needs root to mount a 2 MiB tmpfs: run as root (CI=true makes it required)';
if (skip !== false && process.env.CI === 'true') throw new Error('the disk-full fault test must run in CI: mounting a tmpfs failed (run the tests as root)');

t.test(
  'a full disk: every answer is 2xx-and-stored or 503 with Retry-After, /healthz answers, the first retry after space is back stores each event once',
  { skip },
  async (t) => {
    // Not in t.testdir(): the mount point must be unmounted before the folder is removed.
    const dir = mkdtempSync(join(tmpdir(), 'passworks-disk-full-'));
    if (!mountTmpfs(dir)) throw new Error(`mounting a tmpfs on ${dir} failed`);
    const databasePath = join(dir, 'receiver.db');
    let receiver: ChildProcess | undefined;
    t.teardown(async () => {
      if (receiver !== undefined && receiver.exitCode === null && receiver.signalCode === null) {
        const exited = new Promise((resolve) => receiver?.once('exit', resolve));
        receiver.kill('SIGKILL');
        await exited;
      }
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    });
    const spawned = await spawnReceiver(t, databasePath, { LOG_LEVEL: 'silent' });
    receiver = spawned.child;
    const { url } = spawned;
    const base = new URL(url).origin;
    // A few events before the fault.
    const before = Array.from({ length: 3 }, () => JSON.stringify(makePassEvent()));
    for (const body of before) t.equal((await post(url, body)).status, 200);

    const filler = join(dir, 'filler');
    const filled = fillUp(filler);
    t.ok(filled > 0, 'the disk is full');
    // Give back a little: the first deliveries fit, then claims or records fail part-way through the fault.
    truncateSync(filler, filled - 96 * 1_024);
    const health: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
        health.push(res.status);
        await res.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // Distinct events, 4 at a time, while the disk stays full (bounded: 16 deliveries).
    // Few enough that their retries fit in the WAL on 2 MiB: each commit appends a dozen pages, no checkpoint runs before 4 MiB.
    const during = Array.from({ length: 16 }, () => JSON.stringify(makePassEvent()));
    const answers: Answer[] = [];
    for (let i = 0; i < during.length; i += 4) answers.push(...(await Promise.all(during.slice(i, i + 4).map((body) => post(url, body)))));
    probing = false;
    await prober;
    const failed = answers.flatMap((answer, index) => (answer.status === 200 ? [] : [{ answer, body: during[index] as string }]));
    t.ok(failed.length > 0, `writes failed during the fault (${failed.length} of ${answers.length})`);
    t.same(
      failed.filter(({ answer }) => !(answer.status === 503 && answer.code === 'store_unavailable' && answer.retryAfter !== null)).map(({ answer }) => answer),
      [],
      'every failed answer is 503 store_unavailable with Retry-After',
    );
    t.ok(health.length > 0 && health.every((status) => status === 200), `/healthz answered 200 throughout (${health.length} probes)`);

    rmSync(filler);
    const retried = await Promise.all(failed.map(({ body }) => post(url, body)));
    t.same(
      retried.map((answer) => answer.status),
      failed.map(() => 200),
      'every failed event is accepted at the first retry',
    );

    const db = new Database(databasePath, { readonly: true });
    t.teardown(() => db.close());
    const storedKeys = db.prepare('SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys FROM events').get();
    t.same(storedKeys, { n: before.length + during.length, keys: before.length + during.length }, 'every event stored exactly once');
    t.equal(db.prepare(`SELECT count(*) FROM passworks_idempotency_keys WHERE state = 'pending'`).pluck().get(), 0, 'no claim stays pending');
    t.same(db.prepare('PRAGMA integrity_check').pluck().all(), ['ok']);
  },
);
