import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { createGroupCommit, openDatabase } from '@passworks-webhooks/sqlite';
import { createForwarder, createPostgresStorage, createSqliteStorage, migrate, receiverStore, type Storage } from '@passworks-webhooks/receiver';
import { lifecycle } from '../helpers.js';
import { countingLooks } from './counting-looks.js';
import { testDatabase } from '../test-database.js';

/** A storage opened with `outbox: true`, and how many write transactions it has committed or begun so far. */
interface Counted {
  readonly storage: Storage;
  readonly writes: () => number;
}

/** A sink answering 204, listing the `X-Passworks-Event-Id` of each request. */
async function sink(t: Test): Promise<{ url: string; ids: string[] }> {
  const ids: string[] = [];
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      ids.push(String(req.headers['x-passworks-event-id']));
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passworks`, ids };
}

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * An idle forwarder (nothing due, no replay) looks at the outbox at every
 * wake and poll without opening a write transaction; forwarding and a replay
 * still work, and once the replay is all sent it is idle again.
 */
function idleForwarder(name: string, open: (t: Test) => Promise<Counted>): void {
  t.test(`${name}: an idle forwarder writes nothing at its wakes and polls; events and replays still go out`, async (t) => {
    const { storage, writes } = await open(t);
    const target = await sink(t);
    const seen = countingLooks(storage);
    const forwarder = createForwarder({
      storage: seen.storage,
      logger: pino({ level: 'silent' }),
      url: target.url,
      apiKey: 'downstream-key',
      pollMs: 5,
      replayRatePerSecond: 50,
    });
    t.teardown(() => forwarder.stop(1_000));
    await storage.forwardStats(); // migrated before counting

    const idleLooks = async (): Promise<void> => {
      const from = seen.looks();
      for (let i = 0; i < 20; i++) forwarder.wake();
      await until(() => seen.looks() >= from + 30, '30 looks at the outbox');
    };
    const before = writes();
    await idleLooks();
    t.equal(writes() - before, 0, 'no write transaction while idle (no claim, no replay to move)');

    const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
    await storage.recordEvent({ event, idempotencyKey: `${event.pass_id}:created:${event.event_at}`, raw: JSON.stringify(event), receivedAt: Date.now() });
    forwarder.wake();
    await until(async () => (await storage.forwardStats()).delivered === 1, 'the event delivered');
    const [row] = await storage.events({}, { after: 0 }, 1);
    t.same(target.ids, [String(row?.id)], 'forwarded once with its id');

    const replay = await storage.createReplay({ filter: { status: 'all' }, ratePerSecond: 50, now: Date.now() });
    forwarder.lookForReplays();
    await until(async () => (await storage.replay(replay.id))?.succeeded === 1, 'the replay delivered');
    t.same(target.ids, [String(row?.id), String(row?.id)], 'the replay sent it again with the same id');
    t.equal((await storage.replay(replay.id))?.state, 'done', 'the replay is all queued and settled: done');

    const after = writes();
    await idleLooks();
    t.equal(writes() - after, 0, 'idle again once the replay is done: no write per wake');
  });
}

idleForwarder('sqlite', async (t) => {
  let commits = 0;
  const db = openDatabase({ path: join(t.testdir(), 'idle.db') });
  migrate(db);
  const groupCommit = createGroupCommit(db, { onCommit: () => (commits += 1) });
  const storage = createSqliteStorage({ db, store: receiverStore(db, groupCommit), outbox: true });
  t.teardown(() => storage.close());
  return { storage, writes: () => commits };
});

const database = await testDatabase();
if (database !== undefined) {
  idleForwarder('postgres', async (t) => {
    let begins = 0;
    const storage = createPostgresStorage({ connectionString: database.connectionString, outbox: true });
    // Every transaction starts with a BEGIN on one pooled connection (inTransaction and the store's own).
    storage.pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
        if (text?.trimStart().toUpperCase().startsWith('BEGIN') === true) begins += 1;
        return query(...args);
      };
    });
    t.teardown(() => storage.close());
    return { storage, writes: () => begins };
  });
}
