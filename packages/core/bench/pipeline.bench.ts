/**
 * Micro-benchmark of the core pipeline, in process (no HTTP): deliveries
 * handled per second for valid (each a new event), duplicate and invalid
 * bodies, and the cost of schema validation alone. Medians of 7 rounds.
 * Run: npm run bench -w @passworks-webhooks/core
 */
import { createMemoryStore, createWebhookHandler, validatePassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';

const KEY = 'bench-key';
const ROUNDS = 7;
const ROUND_MS = 400;
const headers = { 'content-type': 'application/json; charset=utf-8', authorization: KEY };

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Runs `step` in batches for ROUND_MS, ROUNDS times; returns the median operations per second. */
async function measure(step: (i: number) => unknown): Promise<number> {
  const rates: number[] = [];
  let i = 0;
  for (let round = 0; round < ROUNDS + 1; round++) {
    const start = process.hrtime.bigint();
    let count = 0;
    while (Number(process.hrtime.bigint() - start) / 1e6 < ROUND_MS) {
      for (let k = 0; k < 200; k++) await step(i++);
      count += 200;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (round > 0) rates.push(count / seconds); // round 0 warms up the JIT
  }
  return median(rates);
}

const pool = Array.from({ length: 50_000 }, () => Buffer.from(JSON.stringify(makePassEvent())));
const webhooks = createWebhookHandler({ apiKey: KEY, store: createMemoryStore({ maxKeys: 2_000_000 }), onAny: () => {} });
const duplicate = pool[0] as Buffer;
await webhooks.handle({ method: 'POST', headers, body: duplicate });
const invalid = Buffer.from(JSON.stringify(makePassEvent({ pass_id: 'nope', event_at: 'yesterday' })));
const parsed = pool.slice(0, 1000).map((body) => JSON.parse(body.toString()));

// Valid deliveries need a fresh event each time: vary event_at on a pool of passes.
let n = 0;
const rows: [string, number][] = [
  [
    'valid (new event, handled, marked done)',
    await measure(async (i) => {
      const body = pool[i % pool.length] as Buffer;
      const fresh =
        i < pool.length
          ? body
          : Buffer.from(body.toString().replace(/"event_at":"[^"]+"/, `"event_at":"${new Date(Date.UTC(2030, 0, 1) + ++n * 1000).toISOString()}"`));
      return webhooks.handle({ method: 'POST', headers, body: fresh });
    }),
  ],
  ['duplicate (answered 200 from the store)', await measure(() => webhooks.handle({ method: 'POST', headers, body: duplicate }))],
  ['invalid (422 with issues)', await measure(() => webhooks.handle({ method: 'POST', headers, body: invalid }))],
  ['unauthorized (401)', await measure(() => webhooks.handle({ method: 'POST', headers: { ...headers, authorization: 'wrong' }, body: duplicate }))],
  ['validation alone (parsed value)', await measure((i) => validatePassEvent(parsed[i % parsed.length]))],
  ['JSON.parse alone (same bodies)', await measure((i) => JSON.parse((pool[i % 1000] as Buffer).toString()))],
];

console.log(`\ncore pipeline, in process, Node ${process.version}, median of ${ROUNDS} rounds of ${ROUND_MS} ms\n`);
console.log('| delivery | ops/s | us/op |');
console.log('| --- | ---: | ---: |');
for (const [name, rate] of rows) console.log(`| ${name} | ${Math.round(rate).toLocaleString('en-US')} | ${(1e6 / rate).toFixed(2)} |`);
