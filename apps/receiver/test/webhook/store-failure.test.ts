import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { deliver, testApp } from '../helpers.js';

// Issue 8, item 4: a database failure while recording an event is 503 store_unavailable with Retry-After,
// never a 500 or a 2xx, and the key is released so the first retry after the fault stores the event once.
t.test('an SQLite failure while recording an event answers 503 store_unavailable, and the first retry after it stores the event once', async (t) => {
  const { app, http, logs } = testApp(t);
  app.db.exec(`CREATE TEMP TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated: database or disk is full'); END`);
  const event = makePassEvent();
  const failed = await deliver(http, event);
  t.equal(failed.status, 503);
  t.equal(failed.body.error.code, 'store_unavailable');
  t.equal(failed.headers['retry-after'], '5');
  t.notMatch(failed.body.error.message, /simulated|RAISE|INSERT/, 'the sender does not get the database detail');
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
  t.equal(app.db.prepare(`SELECT count(*) FROM passworks_idempotency_keys WHERE state = 'pending'`).pluck().get(), 0, 'no claim stays pending');
  t.ok(
    logs.some((line) => line.includes('simulated: database or disk is full')),
    'the detail is logged',
  );
  app.db.exec('DROP TRIGGER fail_events');
  const retried = await deliver(http, event);
  t.equal(retried.status, 200);
  t.equal(retried.body.duplicate, false);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  t.equal(app.db.prepare('SELECT count(*) FROM passes').pluck().get(), 1);
});

t.test('a failed group commit batch while recording answers 503 store_unavailable, not 500', async (t) => {
  const { app, http } = testApp(t);
  // The projection write fails: the whole transaction (event row, which is the done mark, and projection) rolls back.
  app.db.exec(`CREATE TEMP TRIGGER fail_passes BEFORE INSERT ON passes BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END`);
  const event = makePassEvent();
  const failed = await deliver(http, event);
  t.equal(failed.status, 503);
  t.equal(failed.body.error.code, 'store_unavailable');
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0, 'the event row rolled back with the projection');
  t.equal(app.db.prepare(`SELECT count(*) FROM passworks_idempotency_keys WHERE state = 'pending'`).pluck().get(), 0, 'no claim stays pending');
  app.db.exec('DROP TRIGGER fail_passes');
  t.equal((await deliver(http, event)).status, 200);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
});
