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
