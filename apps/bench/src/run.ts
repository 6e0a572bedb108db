/**
 * HTTP load benchmark: each server in its own process pinned to CPU 0, wrk
 * (Debian's `wrk`) pinned to CPU 1 on loopback. Every row runs ROUNDS times,
 * interleaved with the others so drift hits all rows alike; the table gives
 * medians and each row's throughput as a ratio of bare Express in the same run,
 * then each row's req/s and server CPU per request against bare Express's
 * of the same round (median and spread of those ratios).
 * Then the constant-rate rows: bare Express and the Express middleware at a
 * fixed offered rate, a share of bare Express's peak measured above, from
 * an open-loop generator on CPU 1 (open-loop.ts): latency at equal load,
 * not only at saturation.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SECONDS (8), BENCH_CONNECTIONS (50), BENCH_ROWS (comma-separated row names),
 * BENCH_RATES (shares of bare Express's peak for the constant-rate rows, 0.5,0.9; empty for none).
 */
import type { ChildProcess } from 'node:child_process';
import { openTestDatabase, type TestDatabase } from '@passworks-webhooks/postgres/testing';
import { rows, type Row } from './rows.js';
import { WEBHOOK_PATH } from './servers.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { cpuTimeMs, startServer, stopServer } from './server-process.js';
import { runWrk, type WrkResult } from './wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATES = (process.env.BENCH_RATES ?? '0.5,0.9')
  .split(',')
  .filter((share) => share !== '')
  .map(Number);

const selected = process.env.BENCH_ROWS?.split(',');
const chosen = selected === undefined ? rows : rows.filter((row) => selected.includes(row.server));
// PostgreSQL rows need the machine's server (bash .ci/setup/postgres.sh); without one they are left out, saying so.
const probe = chosen.some((row) => row.postgres === true) ? await openTestDatabase().catch((error: unknown) => ({ skip: String(error) })) : undefined;
if (probe !== undefined && 'skip' in probe) process.stderr.write(`${probe.skip}: the PostgreSQL rows are left out\n`);
if (probe !== undefined && !('skip' in probe)) await probe.drop();
const active = probe !== undefined && 'skip' in probe ? chosen.filter((row) => row.postgres !== true) : chosen;

/** A row's round: wrk's numbers, and the server processes' CPU time per answer over the measured window (Linux only). */
interface Measured extends WrkResult {
  readonly cpuUsPerRequest: number | undefined;
}

/** The CPU time all `started` processes used so far, in ms; undefined where it cannot be read. */
function cpuOf(started: readonly { child: ChildProcess }[]): number | undefined {
  const times = started.map(({ child }) => cpuTimeMs(child));
  return times.every((time) => time !== undefined) ? times.reduce((sum, time) => sum + time, 0) : undefined;
}

/** Runs one row: its database, its server processes, one wrk per instance at once; req/s summed, latencies of the slower. */
async function measure(row: Row, seconds: number): Promise<Measured> {
  const database: TestDatabase | undefined = row.postgres === true ? ((await openTestDatabase()) as TestDatabase) : undefined;
  const env = { ...row.env, ...(database === undefined ? {} : { BENCH_DATABASE_URL: database.connectionString }) };
  const instances = row.instances ?? 1;
  const started: Array<Awaited<ReturnType<typeof startServer>>> = [];
  try {
    for (let i = 0; i < instances; i++) started.push(await startServer(row.server, env));
    const load = (port: number, seed: number, durationSeconds: number) =>
      runWrk({
        url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
        body: row.body,
        unique: row.unique,
        connections: Math.max(1, Math.round(CONNECTIONS / instances)),
        durationSeconds,
        cpu: 1,
        env: { BENCH_SEED: String(seed) },
        ...(row.authorization ? { authorization: row.authorization } : {}),
        ...(row.headers ? { headers: row.headers } : {}),
      });
    // A short warm-up so the JIT and connection pool settle before measuring.
    await Promise.all(started.map(({ port }, i) => load(port, i + 1, 2)));
    const cpuBefore = cpuOf(started);
    const results = await Promise.all(started.map(({ port }, i) => load(port, i + 11, seconds)));
    const cpuAfter = cpuOf(started);
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    return {
      cpuUsPerRequest: cpuBefore === undefined || cpuAfter === undefined || requests === 0 ? undefined : ((cpuAfter - cpuBefore) * 1000) / requests,
      requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
      requests,
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

const results = new Map<string, Measured[]>(active.map((row) => [row.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const row of active) {
    const result = await measure(row, SECONDS);
    results.get(row.name)?.push(result);
    process.stderr.write(
      `round ${round}/${ROUNDS} ${row.server}${(row.instances ?? 1) > 1 ? ` x${row.instances}` : ''}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}${result.cpuUsPerRequest === undefined ? '' : `, ${result.cpuUsPerRequest.toFixed(1)} us server CPU per request`}\n`,
    );
  }
}

/** The median server CPU per request and its spread, or blanks where it was not measured. */
function cpuColumns(runs: readonly Measured[]): string {
  const values = runs.flatMap((run) => (run.cpuUsPerRequest === undefined ? [] : [run.cpuUsPerRequest]));
  return values.length === 0 ? 'n/a | n/a' : `${median(values).toFixed(1)} | ${spread(values, 1)}`;
}
const spread = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
const baseline = median((results.get(rows[0]!.name) ?? []).map((r) => r.requestsPerSecond));
console.log(
  `\nHTTP load, Node ${process.version}, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s on loopback, server on CPU 0 and wrk on CPU 1, median of ${ROUNDS} rounds (spread: lowest-highest)\n`,
);
console.log('| server | req/s | spread | vs bare Express | p50 ms | p99 ms | non-2xx | server CPU us/req | spread | requests |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of active) {
  const runs = results.get(row.name) ?? [];
  const rps = median(runs.map((r) => r.requestsPerSecond));
  const ratio = Number.isFinite(baseline) ? `${((rps / baseline) * 100).toFixed(0)}%` : 'n/a';
  console.log(
    `| ${row.name} | ${Math.round(rps).toLocaleString('en-US')} | ${spread(runs.map((r) => r.requestsPerSecond))} | ${ratio} | ${median(runs.map((r) => r.p50Ms)).toFixed(2)} | ${median(runs.map((r) => r.p99Ms)).toFixed(2)} | ${runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0)} | ${cpuColumns(runs)} | ${row.what} |`,
  );
}

/** Each round's ratio of `row` to `base`, both run in that round: throughput, and server CPU per request where both were read. */
function perRound(row: Row, base: Row): { readonly throughput: number[]; readonly cpu: number[] } {
  const runs = results.get(row.name) ?? [];
  const baseRuns = results.get(base.name) ?? [];
  const pairs = runs.flatMap((run, i) => (baseRuns[i] === undefined ? [] : [[run, baseRuns[i]] as const]));
  return {
    throughput: pairs.map(([run, baseRun]) => run.requestsPerSecond / baseRun.requestsPerSecond),
    cpu: pairs.flatMap(([run, baseRun]) =>
      run.cpuUsPerRequest === undefined || baseRun.cpuUsPerRequest === undefined ? [] : [run.cpuUsPerRequest / baseRun.cpuUsPerRequest],
    ),
  };
}
const ratioColumns = (ratios: number[]): string => (ratios.length === 0 ? 'n/a | n/a' : `${median(ratios).toFixed(2)}x | ${spread(ratios, 2)}`);

// Every row against bare Express round by round: a machine whose speed drifts between rounds moves both sides of a ratio alike,
// so these ratios move less than the ratio of two medians above (the figures the issue targets are stated in).
const bare = active.find((row) => row.server === 'bare-express');
if (bare !== undefined && ROUNDS > 0) {
  console.log(`\nEach row against bare Express in the same round (median of ${ROUNDS} rounds' ratios, spread)\n`);
  console.log('| server | req/s vs bare Express | spread | server CPU per request vs bare Express | spread |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of active.filter((candidate) => candidate !== bare)) {
    const { throughput, cpu } = perRound(row, bare);
    console.log(`| ${row.name} | ${ratioColumns(throughput)} | ${ratioColumns(cpu)} |`);
  }
}

// The node adapter against its peer (issue 13): each round's ratio, since both ran back to back in it.
const coreNode = active.find((row) => row.server === 'core-node');
const octokit = active.find((row) => row.server === 'octokit');
if (coreNode !== undefined && octokit !== undefined) {
  const throughput = perRound(coreNode, octokit).throughput;
  const cpu = perRound(octokit, coreNode).cpu;
  console.log(
    `\ncore-node / octokit, per round: throughput ${median(throughput).toFixed(2)}x (${spread(throughput, 2)})${cpu.length === 0 ? '' : `, octokit's server CPU per request / core-node's ${median(cpu).toFixed(2)}x (${spread(cpu, 2)})`}`,
  );
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
            runOpenLoop(
              {
                port,
                path: WEBHOOK_PATH,
                rate,
                seconds,
                connections: CONNECTIONS,
                body: row.body,
                unique: row.unique,
                ...(row.authorization ? { authorization: row.authorization } : {}),
              },
              1,
            );
          await load(2);
          const result = await load(SECONDS);
          measured.set(keyOf(row, share), [...(measured.get(keyOf(row, share)) ?? []), result]);
          process.stderr.write(
            `round ${round}/${ROUNDS} ${row.server} at ${rate} req/s: p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, achieved ${Math.round(result.achievedRate)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}\n`,
          );
        } finally {
          await stopServer(child);
        }
      }
    }
  }
  console.log(
    `\nConstant rate: an open-loop generator (open-loop.ts) on CPU 1 offers a fixed rate over ${CONNECTIONS} keep-alive connections for ${SECONDS}s; latency from each request's due time (no coordinated omission); median of ${ROUNDS} rounds (spread: lowest-highest)\n`,
  );
  console.log('| server | offered req/s | of bare Express peak | achieved req/s | p50 ms | p99 ms | p99 spread | p99 vs bare Express | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const share of RATES) {
    const bareP99 = median((measured.get(keyOf(rateRows[0]!, share)) ?? []).map((r) => r.p99Ms));
    for (const row of rateRows) {
      const runs = measured.get(keyOf(row, share)) ?? [];
      const p99 = median(runs.map((r) => r.p99Ms));
      console.log(
        `| ${row.name} | ${Math.round(baseline * share).toLocaleString('en-US')} | ${(share * 100).toFixed(0)}% | ${Math.round(median(runs.map((r) => r.achievedRate))).toLocaleString('en-US')} | ${median(runs.map((r) => r.p50Ms)).toFixed(2)} | ${p99.toFixed(2)} | ${spread(
          runs.map((r) => r.p99Ms),
          2,
        )} | ${(p99 / bareP99).toFixed(2)}x | ${runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0)} |`,
      );
    }
  }
}
