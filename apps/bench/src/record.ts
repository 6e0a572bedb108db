/**
 * The receiver's record path in process, without HTTP: `storage.recordEvent`
 * on a fresh SQLite file (the receiver's own app, WAL, group commit), 50
 * calls queued per event-loop turn as under load, each a new pass's event.
 * Prints the CPU time per event (user and system, this process) and the wall
 * rate, per round and as the median. CPU time per event moves far less than
 * an HTTP run's throughput on a shared machine.
 *
 * Env: BENCH_EVENTS (40,000 per round, after 5,000 to warm up), BENCH_ROUNDS (3).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { createApp } from '@passworks-webhooks/receiver';
import { BENCH_ADMIN_TOKEN, BENCH_KEY } from './servers.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_TURN = 50;
const base = makePassEvent({ event_extra: { pass_id: 'x', registration_id: 'reg-1', device_os: 'ios' } });

/** Records `count` new events, {@link PER_TURN} queued at once. */
async function record(storage: ReturnType<typeof createApp>['storage'], count: number): Promise<void> {
  for (let done = 0; done < count; done += PER_TURN) {
    const batch: Array<Promise<unknown>> = [];
    for (let i = 0; i < PER_TURN; i++) {
      const event = { ...base, pass_id: randomUUID() };
      batch.push(storage.recordEvent({ event, idempotencyKey: `${event.pass_id}:${event.event}:${event.event_at}`, raw: JSON.stringify(event), receivedAt: Date.now() }));
    }
    await Promise.all(batch);
  }
}

const rows: Array<{ cpuUs: number; userUs: number; systemUs: number; perSecond: number }> = [];
for (let round = 1; round <= ROUNDS; round++) {
  const folder = mkdtempSync(join(tmpdir(), 'passworks-record-'));
  const app = createApp({ apiKeys: [BENCH_KEY], databasePath: join(folder, 'receiver.db'), adminToken: BENCH_ADMIN_TOKEN, logger: pino({ level: 'silent' }) });
  try {
    await record(app.storage, 5_000);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await record(app.storage, EVENTS);
    const used = process.cpuUsage(cpu);
    const row = { cpuUs: (used.user + used.system) / EVENTS, userUs: used.user / EVENTS, systemUs: used.system / EVENTS, perSecond: EVENTS / ((performance.now() - started) / 1_000) };
    rows.push(row);
    process.stderr.write(`round ${round}/${ROUNDS}: ${row.cpuUs.toFixed(1)} us CPU per event, ${Math.round(row.perSecond)} events/s\n`);
  } finally {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const spread = (values: number[], digits: number): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
console.log(`\nReceiver record path in process (SQLite, ${PER_TURN} per turn, ${EVENTS.toLocaleString('en-US')} events a round), median of ${ROUNDS} (spread)\n`);
console.log('| µs CPU per event | spread | of which user / system | events/s (wall) | spread |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
console.log(
  `| ${median(rows.map((r) => r.cpuUs)).toFixed(1)} | ${spread(rows.map((r) => r.cpuUs), 1)} | ${median(rows.map((r) => r.userUs)).toFixed(1)} / ${median(rows.map((r) => r.systemUs)).toFixed(1)} | ${Math.round(median(rows.map((r) => r.perSecond))).toLocaleString('en-US')} | ${spread(rows.map((r) => r.perSecond), 0)} |`,
);
