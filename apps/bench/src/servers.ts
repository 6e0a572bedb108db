import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Webhooks, createNodeMiddleware as octokitMiddleware } from '@octokit/webhooks';
import { createMemoryStore } from '@passworks-webhooks/core';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';

export const BENCH_KEY = 'bench-api-key-0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const OCTOKIT_SECRET = 'bench-octokit-secret';
export const WEBHOOK_PATH = '/webhooks/passworks';

/** The memory store as shipped: 100,000 keys, then the oldest done keys are evicted (a run stores more). */
const store = () => createMemoryStore();

/** Each server under test, as a request listener. All answer POST /webhooks/passworks. */
export const servers: Record<string, () => Promise<{ listener: RequestListener; close?: () => Promise<void> }>> = {
  /** Baseline: a bare Express app with express.json() answering 204. */
  'bare-express': async () => {
    const app = express();
    app.use(express.json());
    app.post(WEBHOOK_PATH, (_req, res) => void res.status(204).end());
    return { listener: app };
  },
  /** The Express middleware with the in-memory store. */
  'express-middleware': async () => {
    const { passworksWebhooks } = await import('@passworks-webhooks/express');
    const app = express();
    app.use(passworksWebhooks({ apiKey: BENCH_KEY, store: store(), onAny: () => {} }));
    return { listener: app };
  },
  /** The Express middleware with the durable SQLite store (a fresh file, WAL, group commit): each event's key committed before its 200. */
  'express-sqlite': async () => {
    const { passworksWebhooks } = await import('@passworks-webhooks/express');
    const { createSqliteStore } = await import('@passworks-webhooks/sqlite');
    const folder = mkdtempSync(join(tmpdir(), 'passworks-bench-'));
    const sqlite = createSqliteStore({ path: join(folder, 'store.db') });
    const app = express();
    app.use(passworksWebhooks({ apiKey: BENCH_KEY, store: sqlite, onAny: () => {} }));
    return { listener: app, close: async () => (sqlite.close(), rmSync(folder, { recursive: true, force: true })) };
  },
  /** The Express middleware with the Redis store (BENCH_REDIS_URL or 127.0.0.1:6379, a prefix of its own, deleted at the end). */
  'express-redis': async () => {
    const { passworksWebhooks } = await import('@passworks-webhooks/express');
    const { createRedisStore } = await import('@passworks-webhooks/redis');
    const redis = createRedisStore({ url: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `passworks-bench-${process.pid}:` });
    const app = express();
    app.use(passworksWebhooks({ apiKey: BENCH_KEY, store: redis, onAny: () => {} }));
    return { listener: app, close: () => dropPrefix(redis) };
  },
  /** Baseline: a bare Fastify app (its own JSON parser) answering 204. */
  'bare-fastify': async () => {
    const { fastify } = await import('fastify');
    const app = fastify();
    app.post(WEBHOOK_PATH, async (_request, reply) => reply.code(204).send());
    await app.ready();
    return { listener: app.routing as RequestListener, close: () => app.close() };
  },
  /** The Fastify plugin with the in-memory store. */
  'fastify-plugin': async () => {
    const { fastify } = await import('fastify');
    const { passworksWebhooks } = await import('@passworks-webhooks/fastify');
    const app = fastify();
    await app.register(passworksWebhooks({ apiKey: BENCH_KEY, store: store(), onAny: () => {} }));
    await app.ready();
    return { listener: app.routing as RequestListener, close: () => app.close() };
  },
  /** Baseline: a bare node:http server that reads the body, parses JSON and answers 204. */
  'bare-node': async () => ({
    listener: (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      });
    },
  }),
  /** Core's node:http adapter with the in-memory store. */
  'core-node': async () => ({ listener: createNodeMiddleware({ apiKey: BENCH_KEY, store: store(), onAny: () => {} }) }),
  /** The reference receiver, WAL with synchronous=NORMAL: each event committed (group commit) before its 2xx. */
  receiver: () => receiver('normal'),
  /** The reference receiver forwarding each stored event (FORWARD_URL) to a sink answering 204 at once, in this same process: intake with forwarding on. */
  'receiver-forward': () => receiver('normal', undefined, true),
  /** The reference receiver, DURABILITY=full: synchronous=FULL, an fsync per (group) commit. */
  'receiver-full': () => receiver('full'),
  /** The reference receiver on PostgreSQL (BENCH_DATABASE_URL, made fresh by run.ts; one or more instances share it). */
  'receiver-postgres': () => receiver('normal', process.env.BENCH_DATABASE_URL),
  /** The peer: @octokit/webhooks' node middleware verifying an HMAC-signed payload of the same size. */
  octokit: async () => {
    const webhooks = new Webhooks({ secret: OCTOKIT_SECRET });
    webhooks.on('ping', () => {});
    return { listener: octokitMiddleware(webhooks, { path: WEBHOOK_PATH }) as RequestListener };
  },
};

/** Deletes every key under the bench store's own prefix, then closes it. */
async function dropPrefix(redis: import('@passworks-webhooks/redis').RedisStore): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await redis.client.sendCommand(['SCAN', cursor, 'MATCH', `${redis.prefix}*`, 'COUNT', '1000'])) as [string, string[]];
    if (keys.length > 0) await redis.client.sendCommand(['DEL', ...keys]);
    cursor = next;
  } while (cursor !== '0');
  await redis.close();
}

/**
 * The user's app as the forwarder sees it at its fastest: a node:http server on 127.0.0.1 reading each body and
 * answering 204; it counts what it got, from the first request to the last.
 */
async function sink(): Promise<{ url: string; report: () => string; close: () => Promise<void> }> {
  let received = 0;
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      received += 1;
      last = performance.now();
      if (received === 1) first = last;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    report: () =>
      `${received} events forwarded in ${((last - first) / 1000).toFixed(1)} s (${received > 1 ? Math.round(received / ((last - first) / 1000)) : 0}/s)`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The receiver on a fresh database in a temporary folder, logging at info to /dev/null as `main` logs (the cost of its JSON logs counts); with `forward`, forwarding to a {@link sink}. */
async function receiver(
  durability: 'normal' | 'full',
  databaseUrl?: string,
  forward = false,
): Promise<{ listener: RequestListener; close: () => Promise<void> }> {
  const { createApp, createLogOutput } = await import('@passworks-webhooks/receiver');
  const { pino } = await import('pino');
  const folder = mkdtempSync(join(tmpdir(), 'passworks-bench-'));
  const target = forward ? await sink() : undefined;
  const app = createApp({
    ...(target === undefined ? {} : { forward: { url: target.url, apiKey: 'bench-forward-key' } }),
    apiKeys: [BENCH_KEY],
    // BENCH_DATABASE_PATH: a file filled beforehand (scale.ts prefills it); else a fresh one.
    databasePath: process.env.BENCH_DATABASE_PATH ?? join(folder, 'receiver.db'),
    adminToken: BENCH_ADMIN_TOKEN,
    durability,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    // Its JSON lines written as `main` writes them (createLogOutput: blocks of 4 KiB or 100 ms), to /dev/null.
    logger: pino({ level: 'info' }, createLogOutput({ format: 'json', isTerminal: false, fd: openSync('/dev/null', 'w') }).stream),
  });
  return {
    listener: app.listener,
    close: async () => {
      // What the forwarder did in this row's run (warm-up included), and what it left queued.
      if (target !== undefined)
        process.stderr.write(`receiver-forward: ${target.report()}; ${(await app.storage.forwardStats()).pending} still queued at the stop\n`);
      await app.close();
      await target?.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Child-process entry: `server.ts <name>` listens on 127.0.0.1 and prints `{"port":N}`. */
export async function serve(name: string): Promise<Server> {
  const make = servers[name];
  if (make === undefined) throw new Error(`unknown server ${name}; expected one of ${Object.keys(servers).join(', ')}`);
  const { listener, close } = await make();
  const server = createServer({ keepAliveTimeout: 30_000 }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  const stop = (): void => {
    server.close(() => void (close?.() ?? Promise.resolve()).finally(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  return server;
}
