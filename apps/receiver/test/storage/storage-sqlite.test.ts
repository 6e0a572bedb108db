import { join } from 'node:path';
import t from 'tap';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';
import { createSqliteStorage, migrate, receiverStore } from '@passworks-webhooks/receiver';
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
