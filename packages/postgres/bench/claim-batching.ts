// Does batching the claims (and completions) of one event-loop turn into one statement pay?
// Runs the same load with maxBatchSize 1 (one statement per claim) and 256
// (the default), interleaved, on a fresh database of the machine's PostgreSQL:
// CONCURRENCY callers each claim then complete their keys in turn, as
// concurrent webhook deliveries do. Prints the median of ROUNDS per mode.
//   npm run bench -w @passworks-webhooks/postgres
import { performance } from 'node:perf_hooks';
import { createPostgresStore } from '@passworks-webhooks/postgres';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';

const ROUNDS = 3;
const EVENTS = 1_500;
const CONCURRENCY = [1, 50];
const POOL_SIZE = 10;

const opened = await openTestDatabase();
if ('skip' in opened) {
  console.log(opened.skip);
  process.exit(0);
}
const database = opened;

async function round(maxBatchSize: number, concurrency: number, run: number): Promise<number> {
  const store = createPostgresStore({
    connectionString: database.connectionString,
    tableName: `bench_${maxBatchSize}_${concurrency}_${run}`,
    maxBatchSize,
    poolSize: POOL_SIZE,
  });
  try {
    await store.migrate();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < EVENTS) {
        const key = `event-${next++}`;
        const claim = await store.claim(key, { leaseMs: 60_000 });
        if (claim.status === 'claimed') await store.complete(key, claim.token);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return EVENTS / ((performance.now() - started) / 1_000);
  } finally {
    await store.close();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

try {
  console.log(`claim + complete per event, ${EVENTS} events, pool of ${POOL_SIZE}, median of ${ROUNDS} interleaved rounds`);
  console.log('| concurrent callers | one statement per call (events/s) | calls of a turn batched (events/s) | batched / single |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const concurrency of CONCURRENCY) {
    const single: number[] = [];
    const batched: number[] = [];
    for (let run = 0; run < ROUNDS; run++) {
      single.push(await round(1, concurrency, run));
      batched.push(await round(256, concurrency, run));
    }
    const [a, b] = [median(single), median(batched)];
    console.log(`| ${concurrency} | ${Math.round(a).toLocaleString('en-US')} | ${Math.round(b).toLocaleString('en-US')} | ${(b / a).toFixed(2)} |`);
  }
} finally {
  await database.drop();
}
