/**
 * HTTP load benchmark: each server in its own process pinned to CPU 0, wrk
 * (Debian's `wrk`) pinned to CPU 1 on loopback. Every row runs ROUNDS times,
 * interleaved with the others so drift hits all rows alike; the table gives
 * medians and each row's throughput as a ratio of bare Express in the same run.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SECONDS (8), BENCH_CONNECTIONS (50), BENCH_ROWS (comma-separated row names).
 */
import { createHmac } from 'node:crypto';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { BENCH_KEY, OCTOKIT_SECRET, WEBHOOK_PATH } from './servers.js';
import { startServer, stopServer } from './server-process.js';
import { runWrk, type WrkResult } from './wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

const template = JSON.stringify(makePassEvent({ pass_id: 'PASS_ID', event_extra: { pass_id: 'PASS_ID', registration_id: 'reg-1', device_os: 'ios', device_app_vendor: 'passbook', wallet_type: 'apple_wallet', ip: '203.0.113.7' } }));
const octokitBody = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, padding: 'x'.repeat(Math.max(0, template.length - 60)) });

interface Row {
  readonly name: string;
  readonly server: string;
  readonly env?: Record<string, string>;
  readonly body: string;
  readonly unique: boolean;
  readonly authorization?: string;
  readonly headers?: Record<string, string>;
  /** What a correct answer is: wrk counts anything else as non-2xx. */
  readonly what: string;
}

const rows: Row[] = [
  { name: 'bare Express + express.json(), 204', server: 'bare-express', body: template, unique: true, what: 'baseline' },
  { name: 'Express + passworksWebhooks(), memory store', server: 'express-middleware', body: template, unique: true, authorization: BENCH_KEY, what: 'each request a new event, 200' },
  { name: 'bare node:http, JSON.parse, 204', server: 'bare-node', body: template, unique: true, what: 'baseline' },
  { name: 'core node:http adapter, memory store', server: 'core-node', body: template, unique: true, authorization: BENCH_KEY, what: 'each request a new event, 200' },
  { name: 'receiver, SQLite WAL synchronous=NORMAL, group commit', server: 'receiver', body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200' },
  { name: 'receiver, DURABILITY=full (fsync per commit), group commit', server: 'receiver-full', body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200' },
  {
    name: '@octokit/webhooks createNodeMiddleware (HMAC verified)',
    server: 'octokit',
    body: octokitBody,
    unique: false,
    headers: {
      'X-GitHub-Event': 'ping',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', OCTOKIT_SECRET).update(octokitBody).digest('hex')}`,
    },
    what: 'same payload size, 200',
  },
];

const selected = process.env.BENCH_ROWS?.split(',');
const active = selected === undefined ? rows : rows.filter((row) => selected.includes(row.server));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const results = new Map<string, WrkResult[]>(active.map((row) => [row.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const row of active) {
    const { child, port } = await startServer(row.server, row.env);
    try {
      const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
      // A short warm-up so the JIT and connection pool settle before measuring.
      await runWrk({ url, body: row.body, unique: row.unique, connections: CONNECTIONS, durationSeconds: 2, cpu: 1, ...(row.authorization ? { authorization: row.authorization } : {}), ...(row.headers ? { headers: row.headers } : {}) });
      const result = await runWrk({ url, body: row.body, unique: row.unique, connections: CONNECTIONS, durationSeconds: SECONDS, cpu: 1, ...(row.authorization ? { authorization: row.authorization } : {}), ...(row.headers ? { headers: row.headers } : {}) });
      results.get(row.name)?.push(result);
      process.stderr.write(`round ${round}/${ROUNDS} ${row.server}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}\n`);
    } finally {
      await stopServer(child);
    }
  }
}

const baseline = median((results.get(rows[0]!.name) ?? []).map((r) => r.requestsPerSecond));
console.log(`\nHTTP load, Node ${process.version}, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s on loopback, server on CPU 0 and wrk on CPU 1, median of ${ROUNDS} rounds\n`);
console.log('| server | req/s | vs bare Express | p50 ms | p99 ms | non-2xx | requests |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of active) {
  const runs = results.get(row.name) ?? [];
  const rps = median(runs.map((r) => r.requestsPerSecond));
  const ratio = Number.isFinite(baseline) ? `${((rps / baseline) * 100).toFixed(0)}%` : 'n/a';
  console.log(`| ${row.name} | ${Math.round(rps).toLocaleString('en-US')} | ${ratio} | ${median(runs.map((r) => r.p50Ms)).toFixed(2)} | ${median(runs.map((r) => r.p99Ms)).toFixed(2)} | ${runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0)} | ${row.what} |`);
}
