import t from 'tap';
import fc from 'fast-check';
import { parseInstant, type PassEvent } from '@passworks-webhooks/core';
import { spellInstant, spellLeapSecond, type Spelling } from '@passworks-webhooks/core/testing';
import { deliver, lifecycle, loyaltySteps, testApp } from '../helpers.js';

// One pass's loyalty life around the 2016 leap second: the 7th event (the first redeem) happens during 23:59:60.
const events = lifecycle(loyaltySteps('reg-1', 'reg-2'), { start: Date.UTC(2016, 11, 31, 23, 52) }).map((event, index) =>
  index === 6 ? { ...event, event_at: '2016-12-31T23:59:60Z', redeemed_at: '2016-12-31T23:59:60Z' } : event,
);

const aSpelling: fc.Arbitrary<Spelling> = fc.record({
  offsetMinutes: fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: -1_439, max: 1_439 })),
  unknownOffset: fc.boolean(),
  extraZeros: fc.integer({ min: 0, max: 6 }),
  pastNanos: fc.stringMatching(/^\d{0,3}$/),
  lowerT: fc.boolean(),
  lowerZ: fc.boolean(),
});

/** The same event with `event_at` in another spelling of the same instant. */
function respelled(event: PassEvent, spelling: Spelling): PassEvent {
  const instant = parseInstant(event.event_at);
  if (instant === undefined) throw new Error(`unparsed ${event.event_at}`);
  const event_at = instant.leapSecond ? spellLeapSecond(instant.ms, spelling.offsetMinutes, spelling.pastNanos) : spellInstant(instant, spelling);
  return { ...event, event_at };
}

const storedEvents = (app: ReturnType<typeof testApp>['app']): unknown[] =>
  app.db.prepare('SELECT idempotency_key, event, event_at, event_at_ms, sort_key, redeemed_count FROM events ORDER BY sort_key, idempotency_key').all();

t.test('every spelling of each event_at, in any arrival order, gives one stored row per event and one projection state', async (t) => {
  const reference = testApp(t);
  for (const event of events) t.equal((await deliver(reference.http, event)).status, 200);
  const expectedRows = storedEvents(reference.app);
  const expectedPass = { ...(reference.app.db.prepare('SELECT * FROM passes').get() as object), last_received_at: 0 };
  t.equal(expectedRows.length, events.length);
  t.match(expectedPass, { redeemed_count: 3, installed_devices: 1, event_count: 10, last_event: 'uninstalled' });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(events.length - 1), aSpelling), { minLength: 0, maxLength: 6 }),
      fc.array(aSpelling, { minLength: events.length, maxLength: events.length }),
      fc.infiniteStream(fc.nat()),
      async (extra, spellings, ranks) => {
        run += 1;
        const { app, http } = testApp(t, { databasePath: `${t.testdir()}/spellings-${run}.db` });
        const deliveries = [
          ...events.map((event, index) => respelled(event, spellings[index] as Spelling)),
          ...extra.map(([index, spelling]) => respelled(events[index] as PassEvent, spelling)),
        ]
          .map((event) => ({ event, rank: ranks.next().value as number }))
          .sort((a, b) => a.rank - b.rank);
        for (const { event } of deliveries) {
          const res = await deliver(http, event);
          if (res.status !== 200) throw new Error(`${event.event_at} answered ${res.status} ${res.text}`);
        }
        const rows = storedEvents(app);
        const pass = { ...(app.db.prepare('SELECT * FROM passes').get() as object), last_received_at: 0 };
        await app.close();
        t.same(rows, expectedRows);
        t.same(pass, expectedPass);
        return true;
      },
    ),
    { numRuns: 25, seed: 8 },
  );
});

t.test('a leap second and the next day’s midnight are two events with distinct sort keys, in either arrival order', async (t) => {
  const [leap, midnight] = lifecycle([
    { event: 'fetched', registration: 'r' },
    { event: 'fetched', registration: 'r' },
  ]).map((event, index) => ({
    ...event,
    event_at: ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z'][index] as string,
  }));
  const states: unknown[] = [];
  for (const order of [
    [leap, midnight],
    [midnight, leap],
  ]) {
    const { app, http } = testApp(t, { databasePath: `${t.testdir()}/leap-${states.length}.db` });
    for (const event of order) t.equal((await deliver(http, event as PassEvent)).status, 200);
    t.equal(
      (await deliver(http, { ...leap, event_at: '2017-01-01T00:59:60+01:00' } as PassEvent)).body.duplicate,
      true,
      'the leap second in another offset is the same event',
    );
    const keys = app.db.prepare('SELECT sort_key FROM events ORDER BY sort_key').pluck().all() as string[];
    t.equal(new Set(keys).size, 2);
    states.push({ ...(app.db.prepare('SELECT * FROM passes').get() as object), last_received_at: 0 });
  }
  t.same(states[0], states[1]);
  t.match(states[0], { last_event_at: '2017-01-01T00:00:00.000Z', event_count: 2 });
});

t.test('an event_at with an RFC 9557 suffix is 422 invalid_event at $.event_at, not 500 on every retry', async (t) => {
  const { app, http } = testApp(t);
  const res = await deliver(http, { ...(events[0] as PassEvent), event_at: '2026-03-01T09:05:00Z[UTC]' });
  t.equal(res.status, 422);
  t.equal(res.body.error.code, 'invalid_event');
  t.same(
    res.body.error.issues.map((issue: { path: string }) => issue.path),
    ['$.event_at'],
  );
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});

t.test('metadata nested 40,000 levels deep (under the body limit) is 422 invalid_event, not a stack overflow answered 500 forever', async (t) => {
  const { app, http } = testApp(t);
  const event = JSON.stringify(events[0]);
  const body = `${event.slice(0, -1)},"metadata":{"a":${'['.repeat(40_000)}${']'.repeat(40_000)}}}`;
  t.ok(Buffer.byteLength(body) < 102_400);
  const res = await deliver(http, body);
  t.equal(res.status, 422);
  t.equal(res.body.error.code, 'invalid_event');
  t.match(res.body.error.issues[0].path, /^\$\.metadata\.a(\[0\])+$/);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
});
