import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { Test } from 'tap';
import { childBundle } from '../../../scripts/child-bundle.mjs';

/** Variables of the test process that would change what the command does; the tests set what they need. */
const CLEARED = ['ADMIN_TOKEN', 'LOG_FORMAT', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_PATH', 'PORT', 'HOST', 'NO_COLOR', 'FORWARD_URL', 'FORWARD_API_KEY'];

/** The `passworks-receiver` command bundled from source, as `npm start` runs it built. */
const NODE_ARGS = [await childBundle(join(import.meta.dirname, '..', 'src', 'bin.ts'))];

/** A running `passworks-receiver` process and what it printed so far. */
export interface RunningCommand {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far (with `tty`, stderr goes to the terminal too, so it is in stdout). */
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (or stderr) once printed; rejects after `timeoutMs` or when the process ends first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends SIGTERM and resolves with the exit code once the process ended and its output was read. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process ended and its output was read. */
  readonly closed: Promise<number | null>;
}

/**
 * Runs the command (`src/bin.ts`, bundled) in its own process with
 * `env` over a cleared environment; with `tty`, under `script` (util-linux),
 * so its stdout is a real terminal. Killed at teardown if still alive.
 */
export function runCommand(t: Test, env: Record<string, string>, { tty = false }: { tty?: boolean } = {}): RunningCommand {
  const base = { ...process.env };
  for (const name of CLEARED) delete base[name];
  const command = tty ? 'script' : process.execPath;
  // script -q (no banner) -f (flush each write) -e (its exit code is the command's) -c command, no typescript file.
  const args = tty ? ['-qfec', [process.execPath, ...NODE_ARGS].join(' '), '/dev/null'] : NODE_ARGS;
  // stdin stays an open pipe: script ends when its input does.
  const child = spawn(command, args, { env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const texts = { stdout: '', stderr: '' };
  const changed = new Set<() => void>();
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8').on('data', (chunk: string) => {
      texts[name] += chunk;
      for (const check of changed) check();
    });
  }
  // 'close', not 'exit': 'exit' may come before the last bytes of stdout are read.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.once('close', () => {
    for (const check of changed) check();
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    closed,
    stdout: () => texts.stdout,
    stderr: () => texts.stderr,
    waitFor(pattern, stream = 'stdout', timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(texts[stream]);
          if (match !== null) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(
                `the command ended (${String(child.exitCode ?? child.signalCode)}) before printing ${String(pattern)}; stdout: ${texts.stdout}; stderr: ${texts.stderr}`,
              ),
            );
          }
        };
        // Slow to start on a loaded machine.
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${String(pattern)} not printed within ${timeoutMs} ms; stdout: ${texts.stdout}; stderr: ${texts.stderr}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          changed.delete(check);
        };
        changed.add(check);
        check();
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return closed;
    },
  };
}
