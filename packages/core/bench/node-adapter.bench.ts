/**
 * Micro-benchmark of the node:http adapter's request path, in process:
 * Node's own IncomingMessage and ServerResponse without a socket (the head
 * parsed, the body pushed as one chunk, the answer written into the
 * response's buffer), so it measures what the adapter and the pipeline cost
 * per delivery without the kernel, the HTTP parser or the load generator.
 * Each delivery is a new event (the memory store as shipped, 100,000 keys,
 * evicting). Prints the process CPU time per delivery (user + system, which
 * moves far less than wall time on a shared machine): median of 7 rounds.
 * Run: npm run bench:node -w @passworks-webhooks/core
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createMemoryStore } from '@passworks-webhooks/core';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { makePassEvent } from '@passworks-webhooks/core/testing';

const KEY = 'bench-api-key-0123456789';
const PATH = '/webhooks/passworks';
const ROUNDS = 7;
const PER_ROUND = 20_000;
const template = JSON.stringify(
  makePassEvent({
    pass_id: 'PASS_ID',
    event_extra: {
      pass_id: 'PASS_ID',
      registration_id: 'reg-1',
      device_os: 'ios',
      device_app_vendor: 'passbook',
      wallet_type: 'apple_wallet',
      ip: '203.0.113.7',
    },
  }),
);

const middleware = createNodeMiddleware({ apiKey: KEY, store: createMemoryStore(), onAny: () => {} });
// One idle socket for every request: IncomingMessage reads a few of its fields, nothing is written to it.
const socket = new Socket();
let counter = 0;

/** One delivery of a new event; resolves with the status once the adapter ended the response. */
function deliver(): Promise<number> {
  counter += 1;
  const passId = `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  const body = Buffer.from(template.replaceAll('PASS_ID', passId));
  const req = new IncomingMessage(socket);
  req.method = 'POST';
  req.url = PATH;
  req.headers = { host: '127.0.0.1', 'content-type': 'application/json; charset=utf-8', authorization: KEY, 'content-length': String(body.length) };
  const res = new ServerResponse(req);
  return new Promise((resolve) => {
    const end = res.end.bind(res);
    res.end = ((chunk?: unknown) => {
      end(chunk as string);
      resolve(res.statusCode);
      return res;
    }) as typeof res.end;
    middleware(req, res);
    // As Node's parser does after the head: the body, then its end.
    req.push(body);
    req.push(null);
    req.complete = true;
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const cpuUs: number[] = [];
const wallUs: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i += 50) {
    // 50 in flight at once, as wrk's 50 connections.
    const statuses = await Promise.all(Array.from({ length: 50 }, deliver));
    if (statuses.some((status) => status !== 200)) throw new Error(`unexpected statuses ${statuses.join(',')}`);
  }
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  if (round === 0) continue; // warms up the JIT
  cpuUs.push((used.user + used.system) / PER_ROUND);
  wallUs.push(wall / PER_ROUND);
}
console.log(`\nnode:http adapter, in process (no socket), Node ${process.version}, ${PER_ROUND} new events a round, median of ${ROUNDS} rounds\n`);
console.log('| delivery | us CPU per delivery | spread | us wall per delivery |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| new event, 200 | ${median(cpuUs).toFixed(2)} | ${Math.min(...cpuUs).toFixed(2)}-${Math.max(...cpuUs).toFixed(2)} | ${median(wallUs).toFixed(2)} |`,
);
