/**
 * The HTTP rows: which server, what it is sent, what a correct answer is.
 * One list for the throughput run (run.ts) and the profiler (profile.ts), so
 * a server is profiled under the very load it is measured with.
 */
import { createHmac } from 'node:crypto';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { BENCH_KEY, OCTOKIT_SECRET } from './servers.js';

/** A pass event whose `PASS_ID` the wrk script replaces per request (each a new event). */
export const template = JSON.stringify(
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
const octokitBody = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, padding: 'x'.repeat(Math.max(0, template.length - 60)) });

export interface Row {
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

export const rows: Row[] = [
  { name: 'bare Express + express.json(), 204', server: 'bare-express', body: template, unique: true, what: 'baseline' },
  {
    name: 'Express + passworksWebhooks(), memory store',
    server: 'express-middleware',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each request a new event, 200',
  },
  {
    name: 'Express + passworksWebhooks(), SQLite store',
    server: 'express-sqlite',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each request a new event, its key committed before its 200',
  },
  {
    name: 'Express + passworksWebhooks(), Redis store (same machine)',
    server: 'express-redis',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each request a new event, its claim and done mark in Redis before its 200',
  },
  { name: 'bare Fastify (its JSON parser), 204', server: 'bare-fastify', body: template, unique: true, what: 'baseline' },
  {
    name: 'Fastify + passworksWebhooks(), memory store',
    server: 'fastify-plugin',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each request a new event, 200',
  },
  { name: 'bare node:http, JSON.parse, 204', server: 'bare-node', body: template, unique: true, what: 'baseline' },
  {
    name: 'core node:http adapter, memory store',
    server: 'core-node',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each request a new event, 200',
  },
  {
    name: 'receiver, SQLite WAL synchronous=NORMAL, group commit',
    server: 'receiver',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each a new event committed before its 200',
  },
  {
    name: 'receiver, SQLite, forwarding each event to a local sink (204, same process)',
    server: 'receiver-forward',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each a new event committed (with its outbox row) before its 200, then forwarded',
  },
  {
    name: 'receiver, DURABILITY=full (fsync per commit), group commit',
    server: 'receiver-full',
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each a new event committed before its 200',
  },
  {
    name: 'receiver, PostgreSQL (same machine), 1 instance',
    server: 'receiver-postgres',
    postgres: true,
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each a new event committed before its 200',
  },
  {
    name: 'receiver, PostgreSQL (same machine), 2 instances on one database',
    server: 'receiver-postgres',
    postgres: true,
    instances: 2,
    body: template,
    unique: true,
    authorization: BENCH_KEY,
    what: 'each a new event committed before its 200; two wrk, half the connections each',
  },
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

/** The first row that loads `server`, if any. */
export function rowOf(server: string): Row | undefined {
  return rows.find((row) => row.server === server);
}
