import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One wrk run's numbers. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  /** Answers received in all. */
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** What to send. */
export interface WrkLoad {
  readonly url: string;
  readonly body: string;
  readonly unique: boolean;
  readonly authorization?: string;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationSeconds: number;
  /** The CPU wrk is pinned to (the server gets another). */
  readonly cpu: number;
  /** `post` sends events (the default); `getPass` reads random prefilled passes; `get` the URL's path; `getEvents` a time-filtered events page. */
  readonly script?: keyof typeof scripts;
  /** Extra environment for the Lua script. */
  readonly env?: Readonly<Record<string, string>>;
}

const scripts = {
  post: fileURLToPath(new URL('../wrk/post-events.lua', import.meta.url)),
  getPass: fileURLToPath(new URL('../wrk/get-pass.lua', import.meta.url)),
  get: fileURLToPath(new URL('../wrk/get.lua', import.meta.url)),
  getEvents: fileURLToPath(new URL('../wrk/get-events.lua', import.meta.url)),
};

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

/** Runs wrk (from Debian's `wrk` package) against `load.url` and parses its report. */
export function runWrk(load: WrkLoad): Promise<WrkResult> {
  const env = {
    ...process.env,
    BENCH_BODY: load.body,
    BENCH_AUTH: load.authorization ?? '',
    BENCH_UNIQUE: load.unique ? '1' : '0',
    ...load.env,
    BENCH_HEADERS: Object.entries(load.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  };
  const args = [
    '-c',
    String(load.cpu),
    'wrk',
    '-t1',
    `-c${load.connections}`,
    `-d${load.durationSeconds}s`,
    '--latency',
    '--timeout',
    '10s',
    '-s',
    scripts[load.script ?? 'post'],
    load.url,
  ];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { env, timeout: (load.durationSeconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(error);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(stdout);
      const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
      if (!rps || !p50 || !p99) return reject(new Error(`could not read wrk's report:\n${stdout}`));
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
      resolve({
        requestsPerSecond: Number(rps[1]),
        requests,
        p50Ms: toMs(p50[1] as string, p50[2] as string),
        p99Ms: toMs(p99[1] as string, p99[2] as string),
        non2xx,
        errors,
      });
    });
  });
}
