/**
 * CPU profile of one server under load: the server process runs with
 * `node --cpu-prof` on CPU 0, wrk loads it from CPU 1 (as in run.ts), and
 * the profile's top self-time entries are printed (the `.cpuprofile` is kept
 * for Chrome DevTools or speedscope).
 *
 * `node dist/profile.js <server> [seconds]` (a server name of servers.ts); env BENCH_PROFILE_TOP (25).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { rowOf } from './rows.js';
import { WEBHOOK_PATH } from './servers.js';
import { startServer, stopServer } from './server-process.js';
import { runWrk } from './wrk.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface Profile {
  readonly startTime: number;
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const name = process.argv[2] ?? 'express-middleware';
const seconds = Number(process.argv[3] ?? 8);
const top = Number(process.env.BENCH_PROFILE_TOP ?? 25);
// The server's own row of run.ts: profiled under the load it is measured with (octokit's signed request, say).
const row = rowOf(name);
if (row === undefined) throw new Error(`no row of rows.ts loads ${name}`);

const folder = mkdtempSync(join(tmpdir(), 'passworks-profile-'));
const { child, port } = await startServer(name, {}, 30_000, ['--cpu-prof', `--cpu-prof-dir=${folder}`]);
let rps = 0;
// Only the samples taken while the measured load ran count (not start-up, not the warm-up): both
// processes read the same monotonic clock, in microseconds here and in the profile.
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
let window = { from: 0, to: 0 };
try {
  const load = (durationSeconds: number) =>
    runWrk({
      url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
      body: row.body,
      unique: row.unique,
      ...(row.authorization === undefined ? {} : { authorization: row.authorization }),
      ...(row.headers === undefined ? {} : { headers: row.headers }),
      connections: 50,
      durationSeconds,
      cpu: 1,
    });
  await load(2);
  const from = nowUs();
  rps = (await load(seconds)).requestsPerSecond;
  window = { from, to: nowUs() };
} finally {
  await stopServer(child);
}
const file = readdirSync(folder).find((entry) => entry.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no profile written in ${folder}`);
const profile = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Profile;

// Self time per function (name, file, line), from the samples' time deltas, as a share of the busy (not idle) time.
const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const selfUs = new Map<string, number>();
let totalUs = 0;
let idleUs = 0;
let at = profile.startTime;
profile.samples.forEach((id, index) => {
  const frame = frameOf.get(id);
  const delta = profile.timeDeltas[index] ?? 0;
  at += delta;
  if (frame === undefined || at < window.from || at > window.to) return;
  totalUs += delta;
  if (frame.functionName === '(idle)') {
    idleUs += delta;
    return;
  }
  const where = frame.url === '' ? '' : ` ${relative(process.cwd(), frame.url.replace(/^file:\/\//, '')).replace(/^(\.\.\/)+/, '')}:${frame.lineNumber + 1}`;
  const label = `${frame.functionName || '(anonymous)'}${where}`;
  selfUs.set(label, (selfUs.get(label) ?? 0) + delta);
});
const busyUs = totalUs - idleUs;
if (busyUs <= 0) throw new Error(`the profile has no samples between the load's start and end (${profile.samples.length} samples in all)`);
console.log(
  `\n${name}: ${Math.round(rps)} req/s under wrk -c50 for ${seconds} s (profiling slows it), ${((idleUs / totalUs) * 100).toFixed(0)}% idle; profile ${join(folder, file)}\n`,
);
console.log('| self % of busy | function |');
console.log('| ---: | --- |');
for (const [label, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${((us / busyUs) * 100).toFixed(1)} | ${label.replaceAll('|', '\\|')} |`);
}
