/**
 * HTTP load benchmark: each server in its own process pinned to CPU 0, wrk
 * (Debian's `wrk`) pinned to CPU 1 on loopback. Every row runs ROUNDS times,
 * interleaved with the others so drift hits all rows alike; the table gives
 * medians and each row's throughput as a ratio of bare Express in the same run.
 * Then the constant-rate rows: bare Express and the Express middleware at a
 * fixed offered rate, a share of bare Express's peak measured above, from
 * an open-loop generator on CPU 1 (open-loop.ts): latency at equal load,
 * not only at saturation.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SECONDS (8), BENCH_CONNECTIONS (50), BENCH_ROWS (comma-separated row names),
 * BENCH_RATES (shares of bare Express's peak for the constant-rate rows, 0.5,0.9; empty for none).
 */
import { createHmac } from 'node:crypto';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { openTestDatabase, type TestDatabase } from '@passworks-webhooks/postgres/testing';
import { BENCH_KEY, OCTOKIT_SECRET, WEBHOOK_PATH } from './servers.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { startServer, stopServer } from './server-process.js';
import { runWrk, type WrkResult } from './wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATES = (process.env.BENCH_RATES ?? '0.5,0.9').split(',').filter((share) => share !== '').map(Number);

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
  /** Server processes sharing the load (each gets its share of the connections from its own wrk). @default 1 */
  readonly instances?: number;
  /** The row needs a fresh PostgreSQL database (passed as BENCH_DATABASE_URL). */
  readonly postgres?: boolean;
}

const rows: Row[] = [
  { name: 'bare Express + express.json(), 204', server: 'bare-express', body: template, unique: true, what: 'baseline' },
  { name: 'Express + passworksWebhooks(), memory store', server: 'express-middleware', body: template, unique: true, authorization: BENCH_KEY, what: 'each request a new event, 200' },
  { name: 'bare node:http, JSON.parse, 204', server: 'bare-node', body: template, unique: true, what: 'baseline' },
  { name: 'core node:http adapter, memory store', server: 'core-node', body: template, unique: true, authorization: BENCH_KEY, what: 'each request a new event, 200' },
  { name: 'receiver, SQLite WAL synchronous=NORMAL, group commit', server: 'receiver', body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200' },
  { name: 'receiver, SQLite, forwarding each event to a local sink (204, same process)', server: 'receiver-forward', body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed (with its outbox row) before its 200, then forwarded' },
  { name: 'receiver, DURABILITY=full (fsync per commit), group commit', server: 'receiver-full', body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200' },
  { name: 'receiver, PostgreSQL (same machine), 1 instance', server: 'receiver-postgres', postgres: true, body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200' },
  { name: 'receiver, PostgreSQL (same machine), 2 instances on one database', server: 'receiver-postgres', postgres: true, instances: 2, body: template, unique: true, authorization: BENCH_KEY, what: 'each a new event committed before its 200; two wrk, half the connections each' },
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
const chosen = selected === undefined ? rows : rows.filter((row) => selected.includes(row.server));
// PostgreSQL rows need the machine's server (bash .ci/setup/postgres.sh); without one they are left out, saying so.
const probe = chosen.some((row) => row.postgres === true) ? await openTestDatabase().catch((error: unknown) => ({ skip: String(error) })) : undefined;
if (probe !== undefined && 'skip' in probe) process.stderr.write(`${probe.skip}: the PostgreSQL rows are left out\n`);
if (probe !== undefined && !('skip' in probe)) await probe.drop();
const active = probe !== undefined && 'skip' in probe ? chosen.filter((row) => row.postgres !== true) : chosen;

/** Runs one row: its database, its server processes, one wrk per instance at once; req/s summed, latencies of the slower. */
async function measure(row: Row, seconds: number): Promise<WrkResult> {
  const database: TestDatabase | undefined = row.postgres === true ? ((await openTestDatabase()) as TestDatabase) : undefined;
  const env = { ...row.env, ...(database === undefined ? {} : { BENCH_DATABASE_URL: database.connectionString }) };
  const instances = row.instances ?? 1;
  const started: Array<Awaited<ReturnType<typeof startServer>>> = [];
  try {
    for (let i = 0; i < instances; i++) started.push(await startServer(row.server, env));
    const load = (port: number, seed: number, durationSeconds: number) =>
      runWrk({ url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, body: row.body, unique: row.unique, connections: Math.max(1, Math.round(CONNECTIONS / instances)), durationSeconds, cpu: 1, env: { BENCH_SEED: String(seed) }, ...(row.authorization ? { authorization: row.authorization } : {}), ...(row.headers ? { headers: row.headers } : {}) });
    // A short warm-up so the JIT and connection pool settle before measuring.
    await Promise.all(started.map(({ port }, i) => load(port, i + 1, 2)));
    const results = await Promise.all(started.map(({ port }, i) => load(port, i + 11, seconds)));
    return {
      requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
      requests: results.reduce((sum, r) => sum + r.requests, 0),
      p50Ms: Math.max(...results.map((r) => r.p50Ms)),
      p99Ms: Math.max(...results.map((r) => r.p99Ms)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
    };
  } finally {
    await Promise.all(started.map(({ child }) => stopServer(child)));
    await database?.drop();
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const results = new Map<string, WrkResult[]>(active.map((row) => [row.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const row of active) {
    const result = await measure(row, SECONDS);
    results.get(row.name)?.push(result);
    process.stderr.write(`round ${round}/${ROUNDS} ${row.server}${(row.instances ?? 1) > 1 ? ` x${row.instances}` : ''}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}\n`);
  }
}

const spread = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
const baseline = median((results.get(rows[0]!.name) ?? []).map((r) => r.requestsPerSecond));
console.log(`\nHTTP load, Node ${process.version}, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s on loopback, server on CPU 0 and wrk on CPU 1, median of ${ROUNDS} rounds (spread: lowest-highest)\n`);
console.log('| server | req/s | spread | vs bare Express | p50 ms | p99 ms | non-2xx | requests |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of active) {
  const runs = results.get(row.name) ?? [];
  const rps = median(runs.map((r) => r.requestsPerSecond));
  const ratio = Number.isFinite(baseline) ? `${((rps / baseline) * 100).toFixed(0)}%` : 'n/a';
  console.log(`| ${row.name} | ${Math.round(rps).toLocaleString('en-US')} | ${spread(runs.map((r) => r.requestsPerSecond))} | ${ratio} | ${median(runs.map((r) => r.p50Ms)).toFixed(2)} | ${median(runs.map((r) => r.p99Ms)).toFixed(2)} | ${runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0)} | ${row.what} |`);
}

// Constant-rate rows: bare Express and the middleware at shares of bare Express's peak (above), interleaved per round.
const rateRows = active.filter((row) => row.server === 'bare-express' || row.server === 'express-middleware');
if (Number.isFinite(baseline) && RATES.length > 0 && rateRows.length === 2) {
  const measured = new Map<string, OpenLoopResult[]>();
  const keyOf = (row: Row, share: number): string => `${row.server}@${share}`;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const share of RATES) {
      for (const row of rateRows) {
        const rate = Math.round(baseline * share);
        const { child, port } = await startServer(row.server);
        try {
          const load = (seconds: number) =>
            runOpenLoop({ port, path: WEBHOOK_PATH, rate, seconds, connections: CONNECTIONS, body: row.body, unique: row.unique, ...(row.authorization ? { authorization: row.authorization } : {}) }, 1);
          await load(2);
          const result = await load(SECONDS);
          measured.set(keyOf(row, share), [...(measured.get(keyOf(row, share)) ?? []), result]);
          process.stderr.write(`round ${round}/${ROUNDS} ${row.server} at ${rate} req/s: p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, achieved ${Math.round(result.achievedRate)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}\n`);
        } finally {
          await stopServer(child);
        }
      }
    }
  }
  console.log(`\nConstant rate: an open-loop generator (open-loop.ts) on CPU 1 offers a fixed rate over ${CONNECTIONS} keep-alive connections for ${SECONDS}s; latency from each request's due time (no coordinated omission); median of ${ROUNDS} rounds (spread: lowest-highest)\n`);
  console.log('| server | offered req/s | of bare Express peak | achieved req/s | p50 ms | p99 ms | p99 spread | p99 vs bare Express | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const share of RATES) {
    const bareP99 = median((measured.get(keyOf(rateRows[0]!, share)) ?? []).map((r) => r.p99Ms));
    for (const row of rateRows) {
      const runs = measured.get(keyOf(row, share)) ?? [];
      const p99 = median(runs.map((r) => r.p99Ms));
      console.log(`| ${row.name} | ${Math.round(baseline * share).toLocaleString('en-US')} | ${(share * 100).toFixed(0)}% | ${Math.round(median(runs.map((r) => r.achievedRate))).toLocaleString('en-US')} | ${median(runs.map((r) => r.p50Ms)).toFixed(2)} | ${p99.toFixed(2)} | ${spread(runs.map((r) => r.p99Ms), 2)} | ${(p99 / bareP99).toFixed(2)}x | ${runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0)} |`);
    }
  }
}
