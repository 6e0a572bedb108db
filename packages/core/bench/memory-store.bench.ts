/**
 * Micro-benchmark of the in-memory idempotency store as the pipeline uses it:
 * each delivery a new key (built by the default idempotency key function, so
 * the strings kept are the pipeline's), claimed then completed, in a store
 * full at `maxKeys` that evicts one done key per new one. Prints the process
 * CPU time per claim + complete (median of 7 rounds) at 100,000 and at 1,000
 * keys (making the key included; a last row makes keys alone), and the heap and RSS that 100,000 done keys hold (after a forced
 * collection; run with --expose-gc, as the npm script does).
 * Run: npm run bench:store -w @passworks-webhooks/core
 */
import { createMemoryStore, defaultIdempotencyKey } from '@passworks-webhooks/core';
import type { IdempotencyStore, UnknownPassEvent } from '@passworks-webhooks/core';

const ROUNDS = 7;
const PER_ROUND = 200_000;
const LEASE = { leaseMs: 60_000 } as const;
const exposedGc = (globalThis as { gc?: () => void }).gc;
if (exposedGc === undefined) throw new Error('run with node --expose-gc');
const gc: () => void = exposedGc;

let counter = 0;
/** The key of a new event, made as the pipeline makes it. */
function nextKey(): string {
  counter += 1;
  const event = {
    pass_id: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`,
    event: 'installed',
    event_at: new Date(1_700_000_000_000 + counter * 1_000).toISOString(),
  } as UnknownPassEvent;
  return defaultIdempotencyKey(event);
}

function claimAndComplete(store: IdempotencyStore): void {
  const key = nextKey();
  const claim = store.claim(key, LEASE) as { status: string; token: string };
  if (claim.status !== 'claimed') throw new Error(`unexpected claim ${claim.status}`);
  if (store.complete(key, claim.token) !== true) throw new Error('complete failed');
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** CPU us per claim + complete in a store already full at maxKeys. */
function cpuPerOperation(maxKeys: number): number[] {
  const store = createMemoryStore({ maxKeys });
  for (let i = 0; i < maxKeys; i++) claimAndComplete(store);
  const results: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) claimAndComplete(store);
    const used = process.cpuUsage(cpu);
    if (round > 0) results.push((used.user + used.system) / PER_ROUND);
  }
  return results;
}

/** CPU us per key made, with no store: what the rows above include besides the store. */
function cpuPerKeyAlone(): number[] {
  const results: number[] = [];
  let length = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) length += nextKey().length;
    const used = process.cpuUsage(cpu);
    if (round > 0) results.push((used.user + used.system) / PER_ROUND);
  }
  if (length === 0) throw new Error('unreachable');
  return results;
}

/** Heap and RSS held by 100,000 done keys, in MB, after forced collections. */
function memoryOf100kDoneKeys(): { heapMb: number; rssMb: number } {
  gc();
  gc();
  const before = process.memoryUsage();
  const store = createMemoryStore({ maxKeys: 100_000 });
  for (let i = 0; i < 100_000; i++) claimAndComplete(store);
  gc();
  gc();
  const after = process.memoryUsage();
  // Keeps the store alive past the measure.
  if (store.claim('probe', LEASE) === undefined) throw new Error('unreachable');
  return { heapMb: (after.heapUsed - before.heapUsed) / 1e6, rssMb: (after.rss - before.rss) / 1e6 };
}

const memory = memoryOf100kDoneKeys();
const keysAlone = cpuPerKeyAlone();
const rows = [100_000, 1_000].map((maxKeys) => ({ maxKeys, cpu: cpuPerOperation(maxKeys) }));
console.log(`\nmemory store, Node ${process.version}, ${PER_ROUND} new keys a round, median of ${ROUNDS} rounds\n`);
console.log('| maxKeys (full) | us CPU per claim + complete | spread |');
console.log('| ---: | ---: | ---: |');
for (const { maxKeys, cpu } of rows) {
  console.log(`| ${maxKeys.toLocaleString('en-US')} | ${median(cpu).toFixed(2)} | ${Math.min(...cpu).toFixed(2)}-${Math.max(...cpu).toFixed(2)} |`);
}
console.log(`| (the key alone, no store) | ${median(keysAlone).toFixed(2)} | ${Math.min(...keysAlone).toFixed(2)}-${Math.max(...keysAlone).toFixed(2)} |`);
console.log(`\n100,000 done keys hold ${memory.heapMb.toFixed(1)} MB of heap, ${memory.rssMb.toFixed(1)} MB of RSS`);
