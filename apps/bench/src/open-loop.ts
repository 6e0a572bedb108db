/**
 * An open-loop HTTP load generator at a constant rate. `runOpenLoop()` runs
 * it in its own process pinned to a CPU (open-loop-process.ts), as wrk is.
 *
 * Why not a library: wrk is closed-loop (a slow answer delays the next
 * request, so a stall hides its own cost), Debian has no wrk2, and
 * autocannon's `overallRate` is a per-connection cap reset every second, so
 * each second's requests leave in a burst at its start. Here request i is
 * due at start + i / rate whatever came back; it goes out on the first idle
 * keep-alive connection (waiting in a queue when none is idle), and its
 * latency is counted from when it was due, so a server that stalls is
 * charged for every request it held up (no coordinated omission, as in wrk2).
 * Bounded: exactly rate x seconds requests, and a hard deadline.
 */
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** What to send, and how fast. */
export interface OpenLoopConfig {
  readonly port: number;
  readonly path: string;
  /** Requests per second offered. */
  readonly rate: number;
  readonly seconds: number;
  /** Keep-alive connections to spread the requests over. */
  readonly connections: number;
  /** A JSON body; `PASS_ID` in it becomes a fresh pass id per request when `unique`. */
  readonly body: string;
  readonly unique: boolean;
  readonly authorization?: string;
}

/** What came back: latencies in ms from each request's due time. */
export interface OpenLoopResult {
  readonly offeredRate: number;
  readonly achievedRate: number;
  readonly completed: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

export function openLoop(config: OpenLoopConfig): Promise<OpenLoopResult> {
  const total = Math.round(config.rate * config.seconds);
  const intervalMs = 1000 / config.rate;
  const latencies = new Float64Array(total);
  const runId = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  const headOf = (length: number): string =>
    `POST ${config.path} HTTP/1.1\r\nHost: 127.0.0.1:${config.port}\r\nContent-Type: application/json; charset=utf-8\r\n${config.authorization === undefined ? '' : `Authorization: ${config.authorization}\r\n`}Content-Length: ${length}\r\n\r\n`;
  const fixed = Buffer.from(headOf(Buffer.byteLength(config.body)) + config.body);
  let counter = 0;
  const requestBytes = (): Buffer => {
    if (!config.unique) return fixed;
    counter += 1;
    const body = config.body.replaceAll(
      'PASS_ID',
      `${runId}${counter.toString(16).padStart(4, '0').slice(-4)}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`,
    );
    return Buffer.from(headOf(Buffer.byteLength(body)) + body);
  };

  let completed = 0;
  let non2xx = 0;
  let errors = 0;
  let scheduled = 0;
  const waiting: number[] = [];
  let waitingHead = 0;
  let start = 0;
  let settle: (() => void) | undefined;

  interface Connection {
    socket: Socket;
    dueAt: number | undefined;
    received: Buffer[];
    receivedBytes: number;
  }
  const idle: Connection[] = [];
  const sockets: Connection[] = [];

  const finished = (): boolean => completed + errors >= total;
  const record = (connection: Connection, ok: boolean, status: number): void => {
    const dueAt = connection.dueAt as number;
    connection.dueAt = undefined;
    if (ok) {
      latencies[completed] = performance.now() - dueAt;
      completed += 1;
      if (status < 200 || status >= 300) non2xx += 1;
    } else errors += 1;
    if (finished()) settle?.();
  };
  const send = (connection: Connection): void => {
    if (waitingHead >= waiting.length) {
      idle.push(connection);
      return;
    }
    connection.dueAt = waiting[waitingHead] as number;
    waitingHead += 1;
    if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
    connection.socket.write(requestBytes());
  };
  /** One answer is in when its head and Content-Length bytes arrived (no pipelining: one request per connection at a time). */
  const onData = (connection: Connection, chunk: Buffer): void => {
    connection.received.push(chunk);
    connection.receivedBytes += chunk.length;
    const bytes = connection.received.length === 1 ? chunk : Buffer.concat(connection.received, connection.receivedBytes);
    const headEnd = bytes.indexOf(HEADER_END);
    if (headEnd === -1) return;
    const head = bytes.subarray(0, headEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (bytes.length < headEnd + 4 + length) return;
    connection.received = [];
    connection.receivedBytes = 0;
    record(connection, true, status);
    send(connection);
  };
  const open = (): Connection => {
    const connection: Connection = { socket: connect(config.port, '127.0.0.1'), dueAt: undefined, received: [], receivedBytes: 0 };
    connection.socket.setNoDelay(true);
    connection.socket.on('data', (chunk: Buffer) => onData(connection, chunk));
    connection.socket.on('error', () => undefined);
    connection.socket.on('close', () => {
      // A connection lost mid-request counts that request as an error; a fresh one takes its place.
      if (connection.dueAt !== undefined) record(connection, false, 0);
      const index = idle.indexOf(connection);
      if (index !== -1) idle.splice(index, 1);
      if (!finished() && settle !== undefined) send(open());
    });
    sockets.push(connection);
    return connection;
  };

  return new Promise((resolve) => {
    let connected = 0;
    const deadline = setTimeout(() => settle?.(), (config.seconds + 15) * 1000);
    settle = () => {
      settle = undefined;
      clearTimeout(deadline);
      const endedAt = performance.now();
      for (const connection of sockets) connection.socket.destroy();
      const sorted = latencies.subarray(0, completed).sort();
      resolve({
        offeredRate: config.rate,
        achievedRate: completed / ((endedAt - start) / 1000),
        completed,
        p50Ms: percentile(sorted, 0.5),
        p90Ms: percentile(sorted, 0.9),
        p99Ms: percentile(sorted, 0.99),
        p999Ms: percentile(sorted, 0.999),
        maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
        non2xx,
        // Requests never answered (a lost connection, the deadline) are errors.
        errors: total - completed,
      });
    };
    const tick = (): void => {
      if (settle === undefined) return;
      const now = performance.now();
      // Every request due by now joins the queue with its due time, then idle connections take them.
      while (scheduled < total && start + scheduled * intervalMs <= now) {
        waiting.push(start + scheduled * intervalMs);
        scheduled += 1;
      }
      while (idle.length > 0 && waitingHead < waiting.length) send(idle.pop() as Connection);
      if (scheduled < total) setImmediate(tick);
    };
    for (let i = 0; i < config.connections; i++) {
      const connection = open();
      connection.socket.once('connect', () => {
        idle.push(connection);
        connected += 1;
        if (connected === config.connections) {
          start = performance.now();
          tick();
        }
      });
    }
  });
}

/** Runs {@link openLoop} in its own process on CPU `cpu` (the server has another), as wrk.ts runs wrk. */
export function runOpenLoop(config: OpenLoopConfig, cpu: number): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-c', String(cpu), process.execPath, entry, JSON.stringify(config)], { timeout: (config.seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(error);
      try {
        resolve(JSON.parse(stdout) as OpenLoopResult);
      } catch {
        reject(new Error(`could not read the load generator's report:\n${stdout}`));
      }
    });
  });
}

const entry = fileURLToPath(new URL('./open-loop-process.js', import.meta.url));
