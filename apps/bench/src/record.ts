/**
 * The receiver's storage path in process, without HTTP: for each event what
 * the pipeline asks of it (the store's claim, `storage.recordEvent`, the
 * store's complete) on a fresh SQLite file (the receiver's own app, WAL,
 * group commit), or with `--postgres` on a fresh PostgreSQL database of the
 * machine's server; 50 events queued per event-loop turn as under load,
 * each a new pass's. Prints the CPU time per event (user and system, this
 * process; on PostgreSQL also the server's processes) and the wall rate, per
 * round and as the median. CPU time per event moves far less than an HTTP
 * run's throughput on a shared machine.
 *
 * Env: BENCH_EVENTS (40,000 per round, after 5,000 to warm up), BENCH_ROUNDS (3), BENCH_PER_TURN (50: the
 * events queued per event-loop turn, as many connections under load; an instance of two sharing that load sees half).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { openTestDatabase, type TestDatabase } from '@passworks-webhooks/postgres/testing';
import { createApp } from '@passworks-webhooks/receiver';
import { BENCH_ADMIN_TOKEN, BENCH_KEY } from './servers.js';

const POSTGRES = process.argv.includes('--postgres');

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_TURN = Number(process.env.BENCH_PER_TURN ?? 50);
const base = makePassEvent({ event_extra: { pass_id: 'x', registration_id: 'reg-1', device_os: 'ios' } });

type Storage = ReturnType<typeof createApp>['storage'];

/** What the pipeline asks of the storage for one new event: claim, record, complete. */
async function deliver(storage: Storage): Promise<void> {
  const event = { ...base, pass_id: randomUUID() };
  const idempotencyKey = `${event.pass_id}:${event.event}:${event.event_at}`;
  const claim = await storage.store.claim(idempotencyKey, { leaseMs: 60_000 });
  if (claim.status !== 'claimed') throw new Error(`a new event's claim answered ${claim.status}`);
  await storage.recordEvent({ event, idempotencyKey, raw: JSON.stringify(event), receivedAt: Date.now() });
  await storage.store.complete(idempotencyKey, claim.token);
}

/** Delivers `count` new events, {@link PER_TURN} queued at once. */
async function record(storage: Storage, count: number): Promise<void> {
  for (let done = 0; done < count; done += PER_TURN) await Promise.all(Array.from({ length: PER_TURN }, () => deliver(storage)));
}

/** CPU time (µs) of the PostgreSQL server's processes so far, from /proc (clock ticks of 10 ms). */
function serverCpuUs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10_000;
}

/** A fresh database on the machine's server (dropped after its round). */
async function freshDatabase(): Promise<TestDatabase> {
  const opened = await openTestDatabase();
  if ('skip' in opened) throw new Error(`--postgres needs the machine's PostgreSQL server (bash .ci/setup/postgres.sh): ${opened.skip}`);
  return opened;
}

const rows: Array<{ cpuUs: number; userUs: number; systemUs: number; serverUs: number; perSecond: number }> = [];
for (let round = 1; round <= ROUNDS; round++) {
  const folder = mkdtempSync(join(tmpdir(), 'passworks-record-'));
  const database = POSTGRES ? await freshDatabase() : undefined;
  const app = createApp({
    apiKeys: [BENCH_KEY],
    databasePath: join(folder, 'receiver.db'),
    ...(database === undefined ? {} : { databaseUrl: database.connectionString }),
    adminToken: BENCH_ADMIN_TOKEN,
    logger: pino({ level: 'silent' }),
  });
  try {
    await record(app.storage, 5_000);
    const cpu = process.cpuUsage();
    const server = POSTGRES ? serverCpuUs() : 0;
    const started = performance.now();
    await record(app.storage, EVENTS);
    const used = process.cpuUsage(cpu);
    const serverUs = POSTGRES ? (serverCpuUs() - server) / EVENTS : 0;
    const row = {
      cpuUs: (used.user + used.system) / EVENTS,
      userUs: used.user / EVENTS,
      systemUs: used.system / EVENTS,
      serverUs,
      perSecond: EVENTS / ((performance.now() - started) / 1_000),
    };
    rows.push(row);
    process.stderr.write(
      `round ${round}/${ROUNDS}: ${row.cpuUs.toFixed(1)} us CPU per event${POSTGRES ? ` (server ${serverUs.toFixed(1)})` : ''}, ${Math.round(row.perSecond)} events/s\n`,
    );
  } finally {
    await app.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const spread = (values: number[], digits: number): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
console.log(
  `\nReceiver storage path in process (${POSTGRES ? 'PostgreSQL' : 'SQLite'}: claim, record, complete; ${PER_TURN} per turn, ${EVENTS.toLocaleString('en-US')} events a round), median of ${ROUNDS} (spread)\n`,
);
console.log(`| µs CPU per event | spread | of which user / system |${POSTGRES ? ' server µs CPU per event | spread |' : ''} events/s (wall) | spread |`);
console.log(`| ---: | ---: | ---: |${POSTGRES ? ' ---: | ---: |' : ''} ---: | ---: |`);
const serverColumns = POSTGRES
  ? ` ${median(rows.map((r) => r.serverUs)).toFixed(1)} | ${spread(
      rows.map((r) => r.serverUs),
      1,
    )} |`
  : '';
console.log(
  `| ${median(rows.map((r) => r.cpuUs)).toFixed(1)} | ${spread(
    rows.map((r) => r.cpuUs),
    1,
  )} | ${median(rows.map((r) => r.userUs)).toFixed(1)} / ${median(rows.map((r) => r.systemUs)).toFixed(1)} |${serverColumns} ${Math.round(median(rows.map((r) => r.perSecond))).toLocaleString('en-US')} | ${spread(
    rows.map((r) => r.perSecond),
    0,
  )} |`,
);
