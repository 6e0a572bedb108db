import { spawn, spawnSync } from 'node:child_process';

/**
 * Runs a command to its end, bounded by `timeoutMs` (killed past it), and
 * returns its status and output; it never throws for a failing command.
 * @returns {{ ok: boolean, status: number | null, stdout: string, stderr: string }}
 */
export function runCommand(command, args, { cwd, env = process.env, timeoutMs = 120_000, input } = {}) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', input, maxBuffer: 64 * 1024 * 1024 });
  const timedOut = result.error?.code === 'ETIMEDOUT';
  return {
    ok: result.status === 0,
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: `${result.stderr ?? ''}${timedOut ? `\n(killed after ${timeoutMs} ms)` : ''}${result.error && !timedOut ? `\n${result.error.message}` : ''}`,
  };
}

/**
 * Starts a long-running process (a server) with its output collected;
 * `stop()` sends SIGTERM, then SIGKILL if it has not exited within `graceMs`.
 */
export function startProcess(command, args, { cwd, env }) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
