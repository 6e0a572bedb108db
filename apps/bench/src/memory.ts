/**
 * Memory under floods: the Express middleware (memory store) and the
 * receiver (SQLite), each in its own process on CPU 0, flooded by wrk from
 * CPU 1 with (a) one event delivered again and again (duplicates), (b)
 * deliveries with a wrong key (401), (c) heads declaring a body over the
 * limit (10 MiB, 413 from the head, `Connection: close`), each on a new
 * connection that sends the head and 1 KiB of body, reads the answer and
 * hangs up (wrk cannot send a request it cannot complete, so this flood
 * comes from this process). RSS and heap before, at their peak during
 * (sampled every second), after (2 s idle) and after a forced collection.
 * Bounded: 50 connections for BENCH_SECONDS (8) per flood.
 *
 * `npm run bench:memory -w @passworks-webhooks/bench`; env BENCH_SECONDS, BENCH_CONNECTIONS (50).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { BENCH_KEY, WEBHOOK_PATH } from './servers.js';
import { startServer, stopServer } from './server-process.js';
import { runWrk } from './wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const probe = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
const event = JSON.stringify(makePassEvent({ event_extra: { registration_id: 'reg-1', device_os: 'ios' } }));

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

interface Flooded {
  readonly answers: number;
  readonly unexpected: number;
}

/** wrk from CPU 1: the same body again and again; answers other than `expected` are counted. */
const wrkFlood =
  (authorization: string, expected: number) =>
  async (port: number): Promise<Flooded> => {
    const result = await runWrk({
      url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
      body: event,
      unique: false,
      authorization,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      cpu: 1,
    });
    const answers = result.requests;
    return { answers, unexpected: (expected === 200 ? result.non2xx : answers - result.non2xx) + result.errors };
  };

/** CONNECTIONS loops for SECONDS: a new connection, a head declaring 10 MiB and 1 KiB of body, the answer read, hang up. */
async function declaredOversizeFlood(port: number): Promise<Flooded> {
  const head = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAuthorization: ${BENCH_KEY}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`;
  const request = Buffer.concat([Buffer.from(head), Buffer.alloc(1024, 0x20)]);
  const until = performance.now() + SECONDS * 1000;
  let answers = 0;
  let unexpected = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => socket.destroy(), 10_000);
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? Number.NaN);
        if (end === -1 || text.length < end + 4 + length) return;
        answers += 1;
        if (!text.startsWith('HTTP/1.1 413')) unexpected += 1;
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  return { answers, unexpected };
}

const floods = [
  { name: 'duplicates (one event again and again, 200)', run: wrkFlood(BENCH_KEY, 200) },
  { name: 'wrong key (401)', run: wrkFlood('not-the-key', 401) },
  { name: 'declared body over the limit (Content-Length 10 MiB, 413)', run: declaredOversizeFlood },
] as const;

const servers = [
  { name: 'Express + passworksWebhooks(), memory store', server: 'express-middleware' },
  { name: 'receiver, SQLite', server: 'receiver' },
] as const;

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const rows: string[] = [];
for (const { name, server } of servers) {
  for (const flood of floods) {
    const folder = mkdtempSync(join(tmpdir(), 'passworks-memory-'));
    const file = join(folder, 'memory.json');
    const { child, port } = await startServer(server, { BENCH_MEMORY_FILE: file }, 30_000, ['--expose-gc', '--import', probe]);
    const read = async (signal: 'SIGUSR2' | 'SIGHUP'): Promise<Memory> => {
      rmSync(file, { force: true });
      child.kill(signal);
      for (let i = 0; i < 200; i++) {
        await sleep(10);
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Memory;
        } catch {
          // not written yet
        }
      }
      throw new Error(`${server} did not report its memory`);
    };
    try {
      // Duplicates: the one event is stored first, so every request of the flood is a duplicate.
      await fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: BENCH_KEY },
        body: event,
      });
      const before = await read('SIGUSR2');
      const during: Memory[] = [];
      let done = false;
      // Settled either way at once: a failing flood must not crash this process and leave the server running.
      const load = flood.run(port).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      void load.finally(() => (done = true));
      while (!done) {
        await sleep(1_000);
        if (!done) during.push(await read('SIGUSR2'));
      }
      const outcome = await load;
      if ('error' in outcome) throw outcome.error;
      const { answers, unexpected } = outcome.result;
      await sleep(2_000);
      const after = await read('SIGUSR2');
      const collected = await read('SIGHUP');
      const peak = (key: keyof Memory): number => Math.max(...during.map((m) => m[key]));
      rows.push(
        `| ${name} | ${flood.name} | ${answers.toLocaleString('en-US')} | ${unexpected.toLocaleString('en-US')} | ${mib(before.rss)} | ${mib(peak('rss'))} | ${mib(after.rss)} | ${mib(before.heapUsed)} | ${mib(peak('heapUsed'))} | ${mib(after.heapUsed)} | ${mib(collected.heapUsed)} |`,
      );
      process.stderr.write(
        `${server}, ${flood.name}: ${answers} answers (${unexpected} unexpected), RSS ${mib(before.rss)} -> ${mib(peak('rss'))} -> ${mib(after.rss)} MiB\n`,
      );
    } finally {
      await stopServer(child);
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

console.log(
  `\nMemory under floods, Node ${process.version}: ${CONNECTIONS} connections for ${SECONDS}s on loopback per flood (wrk on CPU 1; the oversized heads from this process), a fresh server process each (CPU 0); MiB; during = the highest of one sample a second\n`,
);
console.log(
  '| server | flood | answers | other answers or errors | RSS before | RSS during | RSS after | heap before | heap during | heap after | heap after GC |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
