import t from 'tap';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { createPostgresStorage, projectPass } from '@passworks-webhooks/receiver';
import { lifecycle, loyaltySteps } from '../helpers.js';
import { post, postUntilAccepted, spawnReceiver } from '../processes.js';
import { testDatabase } from '../test-database.js';

const PASSES = 100; // of 10 events each: 1,000 events
const CONCURRENCY = 32;

/** Runs `work` over `items`, at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

const database = await testDatabase();
if (database !== undefined) {
  t.test(
    'three receivers on one PostgreSQL, 20% of 1,000 events sent to two at once, one SIGKILLed under load: every event stored exactly once, projections as one instance computes them',
    async (t) => {
      const env = { DATABASE_URL: database.connectionString, LEASE_MS: '5000' };
      const receivers = await Promise.all([0, 1, 2].map(() => spawnReceiver(t, 'unused.db', env)));
      const [a, b, c] = receivers as [(typeof receivers)[number], (typeof receivers)[number], (typeof receivers)[number]];
      const passes = Array.from(
        { length: PASSES },
        (_, i) => lifecycle(loyaltySteps(`reg-${i}-a`, `reg-${i}-b`), { start: Date.UTC(2026, 2, 1, 9) + i * 3_600_000 }) as UnknownPassEvent[],
      );
      // Interleave the passes so events of one pass arrive close together, at different instances.
      const events = Array.from({ length: 10 }, (_, step) => passes.map((pass) => pass[step] as UnknownPassEvent)).flat();
      const bodies = events.map((event) => JSON.stringify(event));
      const acked = new Set<number>();
      let sent = 0;
      await pool(bodies, CONCURRENCY, async (body, index) => {
        const first = receivers[index % 3] as (typeof receivers)[number];
        const targets = index % 5 === 0 ? [first, receivers[(index + 1) % 3] as (typeof receivers)[number]] : [first];
        const answers = await Promise.all(targets.map((target) => post(target.url, body)));
        if (answers.some((answer) => answer.status === 200)) acked.add(index);
        if (++sent === 400) c.child.kill('SIGKILL'); // under load: deliveries to it are in flight
      });
      t.ok(acked.size > 0 && acked.size < bodies.length, `${acked.size} events answered 200 before the re-send (some failed with the killed instance)`);
      // The platform retries everything at the survivors (a 409 waits for the dead instance's lease).
      const retries = await Promise.all(bodies.map((body, index) => postUntilAccepted((index % 2 === 0 ? a : b).url, body, 30_000)));
      t.equal(retries.filter((answer) => answer.status === 200).length, bodies.length, 'every re-sent event ends accepted');
      t.ok(
        retries.every((answer, index) => !acked.has(index) || answer.duplicate === true),
        'an event answered 200 before is a duplicate now',
      );

      const storage = createPostgresStorage({ connectionString: database.connectionString, poolSize: 2 });
      t.teardown(() => storage.close());
      const { rows } = await storage.pool.query<{ n: number; keys: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM events',
      );
      t.same(rows, [{ n: 1_000, keys: 1_000 }], 'each of the 1,000 events stored once');
      let equal = 0;
      for (const pass of passes) {
        const expected = projectPass(pass);
        const stored = await storage.pass(expected!.pass_id);
        if (JSON.stringify(stored) === JSON.stringify(expected)) equal += 1;
        else t.same(stored, expected, `pass ${expected!.pass_id}`);
      }
      t.equal(equal, PASSES, 'every projection equals the single-instance fold of its events');
    },
  );
}
