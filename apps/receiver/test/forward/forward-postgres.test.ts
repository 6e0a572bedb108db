import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { createForwarder, createPostgresStorage, type ForwardOptions, type PostgresStorage, type Storage } from '@passworks-webhooks/receiver';
import { admin, deliver, lifecycle, testApp, waitFor } from '../helpers.js';
import { freshSchemas, testDatabase } from '../test-database.js';
import { countingLooks } from './counting-looks.js';

const DOWNSTREAM_KEY = 'pk_live_downstream-app-key-4410-secret';

/** A downstream on 127.0.0.1 answering each request with `answer` (after its body is read); counts the requests. */
async function downstream(
  t: Test,
  answer: (res: ServerResponse, req: IncomingMessage, nth: number) => void,
): Promise<{ url: string; readonly sends: () => number }> {
  let sends = 0;
  const server = createServer((req, res) => {
    req.resume().on('end', () => answer(res, req, ++sends));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passworks`, sends: () => sends };
}

const forwardTo = (url: string, options: Partial<ForwardOptions> = {}): ForwardOptions => ({
  url,
  apiKey: DOWNSTREAM_KEY,
  timeoutMs: 2_000,
  backoffBaseMs: 10,
  backoffMaxMs: 20,
  pollMs: 10,
  ...options,
});

const database = await testDatabase();
if (database !== undefined) {
  const freshSchema = freshSchemas(database, 'forward');
  /** A receiver on PostgreSQL forwarding to `forward`, closed at teardown. */
  const pgApp = async (t: Test, forward: ForwardOptions) => {
    const { app, http } = testApp(t, { databaseUrl: (await freshSchema()).url, poolSize: 4, forward });
    const pool = (app.storage as PostgresStorage).pool;
    const outbox = async () => (await pool.query<{ event_id: string; state: string; attempts: number }>('SELECT event_id, state, attempts FROM outbox')).rows;
    return { app, http, pool, outbox };
  };

  t.test('an answer holding a NUL byte is recorded (as U+FFFD) and the event ends delivered after a bounded number of sends', async (t) => {
    // A 500 first, then a 200, each with U+0000 in the body.
    const sink = await downstream(t, (res, _req, nth) =>
      res.writeHead(nth === 1 ? 500 : 200, { 'content-type': 'text/plain' }).end(Buffer.from(`nul\u0000here ${nth}`)),
    );
    const { http, outbox } = await pgApp(t, forwardTo(sink.url, { maxAttempts: 12 }));
    const [event] = lifecycle([{ event: 'created' }]);
    await deliver(http, event!).expect(200);
    await waitFor(async () => (await outbox())[0]?.state === 'delivered', 'the event delivered');
    const [row] = await outbox();
    t.equal(sink.sends(), 2, 'sent twice: the failure, then the success');
    t.equal(row?.attempts, 2);
    const attempts = (await admin(http, `/api/events/${row!.event_id}/deliveries`).expect(200)).body.data as Array<{
      status: number;
      outcome: string;
      response_excerpt: string;
    }>;
    t.same(
      attempts.map((attempt) => [attempt.status, attempt.outcome, attempt.response_excerpt]),
      [
        [500, 'http_error', 'nul\uFFFDhere 1'],
        [200, 'succeeded', 'nul\uFFFDhere 2'],
      ],
      'both attempts on record, U+0000 stored as U+FFFD',
    );
  });

  t.test('an attempt that can never be recorded is sent FORWARD_MAX_ATTEMPTS times, then the claim dead-letters the event', async (t) => {
    const sink = await downstream(t, (res) => res.writeHead(503).end('busy'));
    const { app, http, pool, outbox } = await pgApp(t, forwardTo(sink.url, { maxAttempts: 3 }));
    await app.storage.ping();
    // Every attempt's record fails, as the NUL byte made it fail before: the lease is all that counts the attempt.
    await pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'attempts cannot be recorded'; END $$`);
    await pool.query(`CREATE TRIGGER refuse BEFORE INSERT ON delivery_attempts FOR EACH ROW EXECUTE FUNCTION refuse()`);
    const [event] = lifecycle([{ event: 'created' }]);
    await deliver(http, event!).expect(200);
    for (let sent = 1; sent <= 3; sent++) {
      await waitFor(() => sink.sends() === sent && app.forwarder?.inFlight === 0, `send ${sent} made and its record refused`);
      // The lease runs out (as it would after twice the timeout plus 5 s) and the forwarder looks again.
      await pool.query('UPDATE outbox SET lease_until = 0');
      app.forwarder?.wake();
    }
    await waitFor(async () => (await outbox())[0]?.state === 'failed', 'the event dead-lettered');
    t.equal(sink.sends(), 3, 'never more sends than FORWARD_MAX_ATTEMPTS');
    t.same(
      (await outbox()).map((row) => [row.state, row.attempts]),
      [['failed', 3]],
    );
    t.equal((await pool.query('SELECT count(*)::int AS n FROM delivery_attempts')).rows[0].n, 0, 'no attempt could be recorded');
    t.match((await admin(http, '/api/stats').expect(200)).body.data.forwarding, { pending: 0, failed: 1 });
  });

  t.test('two forwarders whose clocks are an hour apart never have two attempts of one pass in flight (leases on the database clock)', async (t) => {
    const { url } = await freshSchema();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let mostInFlight = 0;
    const sink = await downstream(t, (res) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      void released.then(() => {
        inFlight -= 1;
        res.writeHead(204).end();
      });
    });
    const open = (): PostgresStorage => {
      const storage = createPostgresStorage({ connectionString: url, outbox: true, poolSize: 2 });
      t.teardown(() => storage.close());
      return storage;
    };
    const [first, second] = [open(), open()];
    const [event] = lifecycle([{ event: 'created' }]) as [UnknownPassEvent];
    await first.recordEvent({ event, idempotencyKey: 'skewed', raw: JSON.stringify(event), receivedAt: Date.now() });
    // The second forwarder's storage, counting how often it looks at the outbox.
    const counted = countingLooks(second);
    const start = (storage: Storage, now: () => number) => {
      const forwarder = createForwarder({ ...forwardTo(sink.url, { timeoutMs: 60_000 }), storage, logger: pino({ level: 'silent' }), now });
      t.teardown(() => forwarder.stop(0));
      return forwarder;
    };
    start(first, Date.now);
    await waitFor(() => sink.sends() === 1, 'the first forwarder sending');
    // An hour ahead: on its own clock the first forwarder's lease (two minutes) ran out long ago.
    start(counted.storage, () => Date.now() + 3_600_000);
    const looked = counted.looks();
    await waitFor(() => counted.looks() >= looked + 20, 'the second forwarder looking at the outbox 20 times');
    t.equal(sink.sends(), 1, 'the second forwarder took nothing while the attempt is in flight');
    release();
    const [stored] = await first.events({}, { after: 0 }, 1);
    await waitFor(async () => (await first.outboxOf(stored!.id))?.state === 'delivered', 'the event delivered');
    t.equal(mostInFlight, 1);
    t.equal(sink.sends(), 1, 'sent once');
  });
}
