import t from 'tap';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { createPostgresStorage } from '@passworks-webhooks/receiver';
import { couponSteps, lifecycle } from '../helpers.js';
import { freshSchemas, testDatabase } from '../test-database.js';
import { forwardBehaviour } from './forward-behaviour.js';
import { queryBehaviour } from './query-behaviour.js';
import { storageBehaviour } from './storage-behaviour.js';

const database = await testDatabase();
if (database !== undefined) {
  // Each behaviour gets its own schema in the run's fresh database.
  const freshSchema = freshSchemas(database, 'behaviour');
  const suite = {
    test: (name: string, fn: () => Promise<void>) => t.test(`postgres: ${name}`, fn),
    open: async ({ maxRejections, outbox, now }: { maxRejections?: number; outbox?: boolean; now?: () => number }) => {
      const { schema, url: connectionString } = await freshSchema();
      const openOne = () =>
        createPostgresStorage({
          connectionString,
          schema,
          poolSize: 4,
          outbox,
          ...(maxRejections === undefined ? {} : { maxRejections }),
          ...(now === undefined ? {} : { now }),
        });
      return { storage: openOne(), peer: openOne };
    },
  };
  storageBehaviour(suite);
  forwardBehaviour(suite);
  queryBehaviour(suite);

  t.test('postgres: completing a key this process just recorded asks nothing of the database; any other key still does', async (t) => {
    const { storage } = await suite.open({});
    t.teardown(() => storage.close());
    const [event, other] = lifecycle(couponSteps()).slice(0, 2) as [UnknownPassEvent, UnknownPassEvent];
    const keyOf = (e: UnknownPassEvent): string => `${e.pass_id}:${e.event}:${e.event_at}`;
    const claim = async (e: UnknownPassEvent): Promise<string> => {
      const claimed = await storage.store.claim(keyOf(e), { leaseMs: 60_000 });
      if (claimed.status !== 'claimed') throw new Error(`claim answered ${claimed.status}`);
      return claimed.token;
    };
    const [token, otherToken] = [await claim(event), await claim(other)];
    t.equal(await storage.recordEvent({ event, idempotencyKey: keyOf(event), raw: JSON.stringify(event), receivedAt: 1_000 }), 'stored');
    let queries = 0;
    const query = storage.pool.query.bind(storage.pool);
    storage.pool.query = ((...args: Parameters<typeof query>) => {
      queries += 1;
      return query(...args);
    }) as typeof query;
    t.equal(await storage.store.complete(keyOf(event), token), true);
    t.equal(queries, 0, 'no statement for the key whose row this process committed');
    t.equal(await storage.store.complete(keyOf(other), otherToken), true, 'a key completed without its row gets the store’s mark');
    t.equal(queries, 1, 'one statement for it');
    t.same(await storage.store.claim(keyOf(event), { leaseMs: 60_000 }), { status: 'done' });
    t.same(await storage.store.claim(keyOf(other), { leaseMs: 60_000 }), { status: 'done' });
  });
}
