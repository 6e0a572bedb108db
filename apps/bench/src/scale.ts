/**
 * Stored-events scale: the receiver on a SQLite file prefilled with 1,000,
 * 1,000,000 and (with `--events 10000000`) 10,000,000 events, measuring the
 * prefill, the file's size, the insert rate of new events, and the latency of
 * GET /api/passes/:pass_id (random stored passes), GET /api/stats and a
 * one-week time-filtered GET /api/events page of 100 events, each against its 1k figure.
 * Server on CPU 0, wrk on CPU 1, as in run.ts. Every wrk run is bounded
 * (warm-up plus BENCH_SECONDS); each scale's file is deleted after its row.
 *
 * Arguments: --events N (the largest scale: 1k, 1M and N; default 1000000).
 * Env: BENCH_EVENTS (the same as --events), BENCH_SCALES (comma-separated
 * event counts, instead), BENCH_SECONDS (8), BENCH_DIR (where the files go,
 * the OS temporary folder by default).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { EVENTS_PER_PASS, SEED_PASSES, prefillDatabase, prefillSpan } from './prefill.js';
import { startServer, stopServer } from './server-process.js';
import { BENCH_ADMIN_TOKEN, BENCH_KEY, WEBHOOK_PATH } from './servers.js';
import { runWrk, type WrkLoad, type WrkResult } from './wrk.js';

const { values } = parseArgs({ options: { events: { type: 'string' } } });
const largest = Number(values.events ?? process.env.BENCH_EVENTS ?? 1_000_000);
if (!Number.isSafeInteger(largest) || largest < 1_000)
  throw new Error(`--events: expected an integer of 1000 or more, got ${String(values.events ?? process.env.BENCH_EVENTS)}`);
const SCALES = process.env.BENCH_SCALES?.split(',').map(Number) ?? [...new Set([1_000, 1_000_000, largest].filter((n) => n <= largest))];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const DIR = process.env.BENCH_DIR ?? tmpdir();
const template = JSON.stringify(makePassEvent({ pass_id: 'PASS_ID', event_extra: { pass_id: 'PASS_ID', registration_id: 'reg-1', device_os: 'ios' } }));

interface Row {
  readonly events: number;
  readonly prefillSeconds: number;
  readonly bytes: number;
  readonly insert: WrkResult;
  readonly pass: WrkResult;
  readonly stats: WrkResult;
  readonly page: WrkResult;
}

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** A 2 s warm-up, then the measured run. */
async function measure(load: Omit<WrkLoad, 'durationSeconds' | 'cpu'>): Promise<WrkResult> {
  await runWrk({ ...load, cpu: 1, durationSeconds: 2 });
  return runWrk({ ...load, cpu: 1, durationSeconds: SECONDS });
}

const rows: Row[] = [];
for (const events of SCALES) {
  const passes = Math.max(1, Math.round(events / EVENTS_PER_PASS));
  const folder = mkdtempSync(join(DIR, 'passworks-scale-'));
  const path = join(folder, 'receiver.db');
  try {
    const now = Date.now();
    const prefilled = prefillDatabase(path, passes, now);
    const bytes = sizeOf(path) + sizeOf(`${path}-wal`);
    process.stderr.write(`${prefilled.events} events prefilled in ${prefilled.seconds.toFixed(1)} s, ${(bytes / 1e6).toFixed(0)} MB\n`);
    const { child, port } = await startServer('receiver', { BENCH_DATABASE_PATH: path }, 120_000);
    try {
      const base = `http://127.0.0.1:${port}`;
      const read = { body: '', unique: false, connections: 16 };
      const span = prefillSpan(now);
      const pass = await measure({
        ...read,
        url: `${base}/api/passes/x`,
        script: 'getPass',
        env: {
          BENCH_PASSES: String(Math.min(passes, SEED_PASSES)),
          BENCH_COPIES: String(prefilled.events / EVENTS_PER_PASS / Math.min(passes, SEED_PASSES)),
          BENCH_ADMIN_TOKEN,
        },
      });
      const stats = await measure({ ...read, url: `${base}/api/stats`, script: 'get', env: { BENCH_ADMIN_TOKEN } });
      const page = await measure({
        ...read,
        url: `${base}/api/events`,
        script: 'getEvents',
        env: { BENCH_ADMIN_TOKEN, BENCH_SPAN_START_MS: String(span.startMs), BENCH_SPAN_END_MS: String(span.endMs) },
      });
      const insert = await measure({ url: `${base}${WEBHOOK_PATH}`, body: template, unique: true, authorization: BENCH_KEY, connections: 50 });
      rows.push({ events: prefilled.events, prefillSeconds: prefilled.seconds, bytes, insert, pass, stats, page });
      process.stderr.write(
        `${prefilled.events} events: insert ${Math.round(insert.requestsPerSecond)}/s, pass p50 ${pass.p50Ms} ms, stats p50 ${stats.p50Ms} ms, events page p50 ${page.p50Ms} ms\n`,
      );
    } finally {
      await stopServer(child);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const first = rows[0];
const ratio = (value: number, base: number | undefined): string => (base === undefined || base === 0 ? '' : ` (${((value / base) * 100).toFixed(0)}%)`);
const ms =
  (pick: (row: Row) => number) =>
  (row: Row): string =>
    `${pick(row).toFixed(2)}${row === first ? '' : ratio(pick(row), first && pick(first))}`;
const lines: Array<[string, (row: Row) => string]> = [
  ['prefill, s', (row) => row.prefillSeconds.toFixed(1)],
  ['database on disk (file + WAL), MB', (row) => `${(row.bytes / 1e6).toFixed(1)}${row === first ? '' : ratio(row.bytes, first?.bytes)}`],
  [
    'inserts/s (POST of new events, -c50)',
    (row) =>
      `${Math.round(row.insert.requestsPerSecond).toLocaleString('en-US')}${row === first ? '' : ratio(row.insert.requestsPerSecond, first?.insert.requestsPerSecond)}`,
  ],
  ['GET /api/passes/:id p50 ms', ms((row) => row.pass.p50Ms)],
  ['GET /api/passes/:id p99 ms', ms((row) => row.pass.p99Ms)],
  ['GET /api/stats p50 ms', ms((row) => row.stats.p50Ms)],
  ['GET /api/stats p99 ms', ms((row) => row.stats.p99Ms)],
  ['GET /api/events one-week page (100 events) p50 ms', ms((row) => row.page.p50Ms)],
  ['GET /api/events one-week page (100 events) p99 ms', ms((row) => row.page.p99Ms)],
  ['non-2xx and socket errors', (row) => String([row.insert, row.pass, row.stats, row.page].reduce((sum, r) => sum + r.non2xx + r.errors, 0))],
];
console.log(
  `\nreceiver at scale, Node ${process.version}, wrk ${SECONDS}s per measure after 2s of warm-up (reads -c16, inserts -c50); in brackets: vs the first column\n`,
);
console.log(`| stored events | ${rows.map((row) => row.events.toLocaleString('en-US')).join(' | ')} |`);
console.log(`| --- | ${rows.map(() => '---:').join(' | ')} |`);
for (const [name, cell] of lines) console.log(`| ${name} | ${rows.map(cell).join(' | ')} |`);
