import t from 'tap';
import type pg from 'pg';
import { createPostgresStorage } from '@passworks-webhooks/receiver';
import { testDatabase } from '../test-database.js';

// Two instances storing events of one busy hour (same name, same campaign) must not commit one at a time:
// each connection counts into its own stripe of the summary, so neither waits for the other's row lock.
const insertEvent = `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
  sort_key, voided, redeemed_count, received_at, raw) VALUES ($1, 'installed', $1, 'c1', 'd', 's', '2026-03-01T09:05:00Z', $2, 'k', false, 0, $2, '\\x7b7d')`;
const at = Date.UTC(2026, 2, 1, 9, 5);

const database = await testDatabase();
if (database !== undefined) {
  t.test(
    'PostgreSQL: two open transactions counting the same hour, name and campaign do not wait for each other; retention takes the counts back',
    async (t) => {
      const storage = createPostgresStorage({ connectionString: database.connectionString, poolSize: 6 });
      t.teardown(() => storage.close());
      await storage.ping();
      // Two connections whose stripes differ (pg_backend_pid() % 16).
      const clients: Array<{ client: pg.PoolClient; stripe: number }> = [];
      while (clients.length < 2) {
        const client = await storage.pool.connect();
        const stripe = Number((await client.query<{ s: number }>('SELECT pg_backend_pid() % 16 AS s')).rows[0]?.s);
        if (clients.some((other) => other.stripe === stripe)) client.release();
        else clients.push({ client, stripe });
      }
      const [a, b] = clients.map(({ client }) => client) as [pg.PoolClient, pg.PoolClient];
      try {
        await a.query('BEGIN');
        await a.query(insertEvent, ['e1', at]);
        await b.query('BEGIN');
        await b.query(`SET LOCAL lock_timeout = '1s'`);
        // With one summary row per group this insert waits for a's COMMIT and fails on the lock timeout.
        await b.query(insertEvent, ['e2', at + 1]);
        await b.query('COMMIT');
        await a.query('COMMIT');
      } finally {
        a.release();
        b.release();
      }
      const stats = await storage.stats({});
      t.equal(stats.total, 2);
      t.same(stats.by_event, [{ event: 'installed', count: 2 }]);
      t.equal(Number((await storage.pool.query('SELECT count(*) AS n FROM event_counts')).rows[0].n), 2, 'one row per stripe');
      t.equal(Number((await storage.pool.query('SELECT count(*) AS n FROM event_day_counts')).rows[0].n), 2, 'one daily row per stripe');
      await storage.pool.query(`DELETE FROM events WHERE idempotency_key = 'e1'`);
      t.equal((await storage.stats({})).total, 1, 'a deletion counts down');
      await storage.pool.query(`DELETE FROM events WHERE idempotency_key = 'e2'`);
      t.equal((await storage.stats({})).total, 0);
      t.equal(Number((await storage.pool.query('SELECT count(*) AS n FROM event_counts')).rows[0].n), 0, 'a group summing to zero leaves no rows');
      t.equal(Number((await storage.pool.query('SELECT count(*) AS n FROM event_day_counts')).rows[0].n), 0, 'nor a daily one');
    },
  );
}
