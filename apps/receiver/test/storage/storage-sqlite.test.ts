import { join } from 'node:path';
import t from 'tap';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';
import { createEventCounts, createEventRecorder, createSqliteStorage, migrate, receiverStore } from '@passworks-webhooks/receiver';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { forwardBehaviour } from './forward-behaviour.js';
import { queryBehaviour } from './query-behaviour.js';
import { storageBehaviour } from './storage-behaviour.js';

let files = 0;
const openAt = (path: string, maxRejections?: number, outbox = false) => {
  const db = openDatabase({ path });
  migrate(db);
  return createSqliteStorage({ db, store: receiverStore(db, createGroupCommit(db)), maxRejections, outbox });
};

const suite = {
  test: (name: string, fn: () => Promise<void>) => t.test(`sqlite: ${name}`, fn),
  open: async ({ maxRejections, outbox }: { maxRejections?: number; outbox?: boolean }) => {
    const path = join(t.testdir(), `storage-${++files}.db`);
    return { storage: openAt(path, maxRejections, outbox), peer: () => openAt(path, maxRejections, outbox) };
  },
};
storageBehaviour(suite);
forwardBehaviour(suite);
queryBehaviour(suite);

t.test("sqlite: a key that does not start with its event's pass_id is refused (a pass's events are found by their keys), and nothing is stored", async (t) => {
  const storage = openAt(join(t.testdir(), 'keys.db'));
  t.teardown(() => storage.close());
  const event = makePassEvent();
  await t.rejects(storage.recordEvent({ event, idempotencyKey: 'key-1', raw: JSON.stringify(event), receivedAt: 1_000 }), {
    code: 'invalid_config',
    message: /key-1/,
  });
  const key = `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`;
  t.equal(
    await storage.recordEvent({
      event: { ...event, pass_id: event.pass_id.toUpperCase() },
      idempotencyKey: key,
      raw: JSON.stringify(event),
      receivedAt: 1_000,
    }),
    'stored',
  );
  t.equal((await storage.events({}, { after: 0 }, 10)).length, 1);
  t.equal((await storage.timeline(event.pass_id.toLowerCase(), 10)).length, 1, "the pass's timeline finds it by its key");
});

t.test('sqlite: completing a key this process just recorded reads and writes nothing; any other key still gets the store’s mark', async (t) => {
  const storage = openAt(join(t.testdir(), 'committed.db'));
  t.teardown(() => storage.close());
  const [event, other] = [makePassEvent(), makePassEvent({ event: 'redeemed' })];
  const keyOf = (e: typeof event): string => `${e.pass_id.toLowerCase()}:${e.event}:${e.event_at}`;
  const claim = async (e: typeof event): Promise<string> => {
    const claimed = await storage.store.claim(keyOf(e), { leaseMs: 60_000 });
    if (claimed.status !== 'claimed') throw new Error(`claim answered ${claimed.status}`);
    return claimed.token;
  };
  const [token, otherToken] = [await claim(event), await claim(other)];
  t.equal(await storage.recordEvent({ event, idempotencyKey: keyOf(event), raw: JSON.stringify(event), receivedAt: 1_000 }), 'stored');
  // Its row taken away behind the store's back: a complete that read the events table would find it missing and write the store's own mark.
  storage.db.prepare('DELETE FROM events WHERE idempotency_key = ?').run(keyOf(event));
  const marks = storage.db.prepare<[string], number>('SELECT count(*) FROM passworks_idempotency_keys WHERE key = ?').pluck();
  t.equal(await storage.store.complete(keyOf(event), token), true);
  t.equal(marks.get(keyOf(event)), 0, 'no read and no mark for the key whose row this process committed');
  t.equal(await storage.store.complete(keyOf(other), otherToken), true, 'a key completed without its row gets the store’s mark');
  t.equal(marks.get(keyOf(other)), 1);
  t.same(await storage.store.claim(keyOf(other), { leaseMs: 60_000 }), { status: 'done' });
});

t.test(
  'sqlite: the hourly and daily counts equal a count of the stored events, after batches from two connections and a prune in the batch that stored the pruned events',
  async (t) => {
    const path = join(t.testdir(), 'counts.db');
    const [storage, peer] = [openAt(path), openAt(path)];
    t.teardown(async () => {
      await storage.close();
      await peer.close();
    });
    // One campaign: the pruned events fall in groups counted already.
    const passEvent = (fields: Parameters<typeof makePassEvent>[0] = {}) => makePassEvent({ campaign_id: '5f2c1a4e-9b1d-4c1e-8f6a-2d3b4c5d6e7f', ...fields });
    const record = (s: typeof storage, receivedAt: number, event = passEvent()) =>
      s.recordEvent({ event, idempotencyKey: `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`, raw: JSON.stringify(event), receivedAt });
    const now = Date.now();
    await record(storage, now); // counted: the pruned events below share its hour, name and campaign
    // One turn, one transaction: three events of passes already stale, two recent, and the prune that deletes the stale ones before the counts are taken.
    const [, , , , , pruned] = await Promise.all([
      record(storage, 1_000),
      record(storage, 1_000, passEvent({ event: 'redeemed', event_at: '2026-03-02T10:00:00Z' })),
      record(storage, 1_000),
      record(storage, now),
      record(storage, now, passEvent({ event: 'installed', event_at: '2026-03-03T23:30:00Z' })),
      storage.pruneStalePasses(2_000, 100, { keepQueuedSinceMs: 0, now }),
    ]);
    t.equal(pruned.events, 3, 'the prune ran in the same transaction as the inserts');
    await Promise.all([record(peer, now), record(peer, now, passEvent({ event: 'fetched' }))]);
    await record(storage, now, passEvent({ event: 'uninstalled', event_at: '2026-03-03T01:00:00Z' }));
    const counted = (table: string, unit: string) => storage.db.prepare(`SELECT ${unit} AS at, event, campaign_id, count FROM ${table} ORDER BY 1, 2, 3`).all();
    const fold = (unitMs: number) =>
      storage.db
        .prepare(
          `SELECT (event_at_ms - ((event_at_ms % ${unitMs}) + ${unitMs}) % ${unitMs}) AS at, event, campaign_id, count(*) AS count FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        )
        .all();
    t.equal((storage.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 6);
    t.same(counted('event_counts', 'hour'), fold(3_600_000), 'hourly counts');
    t.same(counted('event_day_counts', 'day'), fold(86_400_000), 'daily counts');
    const stats = await storage.stats({});
    t.equal(stats.total, 6, 'the stats read them');
  },
);

t.test('sqlite: a caller recording in a transaction of its own counts with createEventCounts; without its position row the count refuses to run', async (t) => {
  const db = openDatabase({ path: join(t.testdir(), 'own.db') });
  t.teardown(() => db.close());
  migrate(db);
  const record = createEventRecorder(db);
  const countEvents = createEventCounts(db);
  const sum = db.prepare<[], number>('SELECT coalesce(sum(count), 0) FROM event_counts').pluck();
  const event = makePassEvent();
  const key = `${event.pass_id.toLowerCase()}:${event.event}:${event.event_at}`;
  db.transaction(() => {
    record(event, key, JSON.stringify(event), 1_000);
    countEvents();
  })();
  t.equal(sum.get(), 1);
  db.prepare('DELETE FROM event_counts_position').run();
  t.throws(() => countEvents(), /event_counts_position/, 'an error, not events silently never counted');
});
