import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const serverEntry = fileURLToPath(new URL('./server.js', import.meta.url));

/** Starts `server.ts <name>` pinned to CPU 0 and resolves with its port; `nodeArgs` go to node before the script (`--cpu-prof`). */
export async function startServer(
  name: string,
  env: Record<string, string> = {},
  startTimeoutMs = 30_000,
  nodeArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('taskset', ['-c', '0', process.execPath, ...nodeArgs, serverEntry, name], {
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([
    once(child.stdout!, 'data'),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} did not start in ${startTimeoutMs} ms`)), startTimeoutMs)),
  ])) as [Buffer];
  return { child, port: (JSON.parse(line.toString().split('\n')[0] as string) as { port: number }).port };
}

/** Stops a server process: SIGTERM, then SIGKILL after 10 s. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The CPU time a server process has used so far (user + system, all its
 * threads), in milliseconds, from Linux's `/proc/<pid>/stat`; undefined
 * elsewhere. The difference over a measured window, divided by the requests
 * answered in it, is the server's CPU per request: on a shared machine it
 * moves far less between rounds than the throughput does.
 */
export function cpuTimeMs(child: ChildProcess): number | undefined {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
