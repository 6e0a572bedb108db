import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Test } from 'tap';
import { childBundle } from '../../../scripts/child-bundle.mjs';
import { API_KEY, WEBHOOK_PATH } from './helpers.js';

/** A fixture in its own process (`fixtures/<name>`, bundled) that sends `{ port }` once it listens; killed at teardown if still alive. */
export async function spawnFixture(
  t: Test,
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(await childBundle(join(import.meta.dirname, 'fixtures', name)), args, {
    execArgv: [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000); // slow to start on a loaded machine
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve((message as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { child, port };
}

/** A receiver running in its own process on `databasePath`; killed at teardown if still alive. */
export async function spawnReceiver(t: Test, databasePath: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const { child, port } = await spawnFixture(t, 'run-receiver.ts', [databasePath], { PASSWORKS_API_KEY: API_KEY, ...env });
  return { child, url: `http://127.0.0.1:${port}${WEBHOOK_PATH}` };
}

/** POSTs one event body; resolves with the status, or 0 when the connection failed. */
export async function post(url: string, body: string): Promise<{ status: number; duplicate?: boolean }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: API_KEY },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json()) as { duplicate?: boolean };
    return json.duplicate === undefined ? { status: res.status } : { status: res.status, duplicate: json.duplicate };
  } catch {
    return { status: 0 };
  }
}

/** POSTs until the answer is 2xx (a 409 in_flight means another delivery holds the event), within `deadlineMs`. */
export async function postUntilAccepted(url: string, body: string, deadlineMs = 15_000): Promise<{ status: number; duplicate?: boolean }> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const answer = await post(url, body);
    if (answer.status === 200 || Date.now() > end) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
