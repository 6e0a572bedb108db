/**
 * Stored-events scale: the receiver with 1,000 and with 1,000,000 events
 * already stored (10 per pass), measuring the insert rate of new events and
 * the latency of GET /api/passes/:pass_id on random stored passes. Server on
 * CPU 0, wrk on CPU 1, as in run.ts.
 *
 * Env: BENCH_SECONDS (8), BENCH_SCALES (comma-separated event counts, 1000,1000000).
 */
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { startServer, stopServer } from './server-process.js';
import { BENCH_ADMIN_TOKEN, BENCH_KEY, WEBHOOK_PATH } from './servers.js';
import { runWrk, type WrkResult } from './wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SCALES = (process.env.BENCH_SCALES ?? '1000,1000000').split(',').map(Number);
const template = JSON.stringify(makePassEvent({ pass_id: 'PASS_ID', event_extra: { pass_id: 'PASS_ID', registration_id: 'reg-1', device_os: 'ios' } }));

const rows: { events: number; insert: WrkResult; read: WrkResult }[] = [];
for (const events of SCALES) {
  const passes = Math.max(1, Math.round(events / 10));
  const { child, port } = await startServer('receiver', { BENCH_PREFILL_PASSES: String(passes) }, 600_000);
  try {
    const base = `http://127.0.0.1:${port}`;
    const readLoad = { url: `${base}/api/passes/x`, body: '', unique: false, connections: 16, cpu: 1, script: 'getPass' as const, env: { BENCH_PASSES: String(passes), BENCH_ADMIN_TOKEN } };
    await runWrk({ ...readLoad, durationSeconds: 2 });
    const read = await runWrk({ ...readLoad, durationSeconds: SECONDS });
    const insertLoad = { url: `${base}${WEBHOOK_PATH}`, body: template, unique: true, authorization: BENCH_KEY, connections: 50, cpu: 1 };
    await runWrk({ ...insertLoad, durationSeconds: 2 });
    const insert = await runWrk({ ...insertLoad, durationSeconds: SECONDS });
    rows.push({ events, insert, read });
    process.stderr.write(`${events} events: insert ${Math.round(insert.requestsPerSecond)}/s, read p50 ${read.p50Ms} ms\n`);
  } finally {
    await stopServer(child);
  }
}

const first = rows[0];
console.log(`\nreceiver at scale, Node ${process.version}, wrk ${SECONDS}s per row (inserts: -c50 POST of new events; reads: -c16 GET /api/passes/:id of random stored passes)\n`);
console.log('| events stored | inserts/s | vs first | read req/s | read p50 ms | read p99 ms | vs first (p50) | non-2xx |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { events, insert, read } of rows) {
  const insertRatio = first ? `${((insert.requestsPerSecond / first.insert.requestsPerSecond) * 100).toFixed(0)}%` : '';
  const readRatio = first ? `${((read.p50Ms / first.read.p50Ms) * 100).toFixed(0)}%` : '';
  console.log(`| ${events.toLocaleString('en-US')} | ${Math.round(insert.requestsPerSecond).toLocaleString('en-US')} | ${insertRatio} | ${Math.round(read.requestsPerSecond).toLocaleString('en-US')} | ${read.p50Ms.toFixed(2)} | ${read.p99Ms.toFixed(2)} | ${readRatio} | ${insert.non2xx + read.non2xx + insert.errors + read.errors} |`);
}
