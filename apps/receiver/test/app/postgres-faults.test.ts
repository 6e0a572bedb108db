import { createServer, connect, type Server, type Socket } from 'node:net';
import t from 'tap';
import request from 'supertest';
import { pino } from 'pino';
import { createApp, createPostgresStorage } from '@passworks-webhooks/receiver';
import { API_KEY, deliver, lifecycle, loyaltySteps } from '../helpers.js';
import { testDatabase } from '../test-database.js';

/** A TCP proxy in front of PostgreSQL that the test can cut: every connection dropped, new ones refused, then let through again. */
async function cuttableProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close() {
      open = false;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const database = await testDatabase();
if (database !== undefined) {
  t.test(
    'connections cut mid-load: deliveries answer 503 with Retry-After, never 2xx uncommitted; the pool reconnects and every retry is stored once',
    async (t) => {
      const url = new URL(database.connectionString);
      const proxy = await cuttableProxy({ host: url.hostname, port: Number(url.port) });
      t.teardown(() => proxy.close());
      url.port = String(proxy.port);
      const app = createApp({
        apiKeys: [API_KEY],
        databasePath: 'unused.db',
        databaseUrl: url.toString(),
        poolSize: 4,
        leaseMs: 5_000,
        logger: pino({ level: 'silent' }),
      });
      t.teardown(() => app.close());
      const http = request(app.listener);
      const events = Array.from({ length: 30 }, (_, i) =>
        lifecycle(loyaltySteps(`reg-${i}-a`, `reg-${i}-b`), { start: Date.UTC(2026, 2, 1) + i * 3_600_000 }),
      ).flat();

      const statuses = new Map<number, number>();
      const acked = new Set<number>();
      let withoutRetryAfter = 0;
      const sendAll = async (indexes: number[]): Promise<void> => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < indexes.length) {
              const index = indexes[next++] as number;
              const res = await deliver(http, events[index]!);
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              if (res.status === 200) acked.add(index);
              else if (res.status === 503 || res.status === 409) withoutRetryAfter += res.headers['retry-after'] === undefined ? 1 : 0;
              else t.fail(`unexpected ${res.status} ${JSON.stringify(res.body)}`);
            }
          }),
        );
      };
      const all = events.map((_, index) => index);
      const firstHalf = sendAll(all.slice(0, 150));
      await new Promise((resolve) => setTimeout(resolve, 30));
      proxy.cut(); // mid-load: open connections die, new ones are refused
      await firstHalf;
      await sendAll(all.slice(150, 200)); // during the outage
      t.ok((statuses.get(503) ?? 0) > 0, 'deliveries during the outage answered 503');
      t.equal((await http.get('/readyz')).status, 503, '/readyz says not ready during the outage');
      proxy.restore();
      // The platform retries everything that was not answered 200, until accepted (a 409 waits for a claim lost with the cut).
      const deadline = Date.now() + 60_000;
      let pending = all.filter((index) => !acked.has(index));
      while (pending.length > 0 && Date.now() < deadline) {
        await sendAll(pending);
        pending = all.filter((index) => !acked.has(index));
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      t.equal(pending.length, 0, 'every event accepted after the outage, with no restart');
      t.equal(withoutRetryAfter, 0, 'every 503 and 409 carried Retry-After');
      t.equal((await http.get('/readyz')).status, 200, 'ready again');
      const check = createPostgresStorage({ connectionString: database.connectionString, poolSize: 1 });
      t.teardown(() => check.close());
      const { rows } = await check.pool.query<{ n: number; keys: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM events',
      );
      t.same(rows, [{ n: events.length, keys: events.length }], 'each event stored once');
    },
  );
}
