import t from 'tap';
import { defaultIdempotencyKey, normaliseInstant } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';

t.test('the three spellings of one instant normalise to one', async (t) => {
  const spellings = ['2016-08-10T11:30:06Z', '2016-08-10T11:30:06.000Z', '2016-08-10T11:30:06.000+00:00'];
  t.same(new Set(spellings.map(normaliseInstant)), new Set(['2016-08-10T11:30:06.000Z']));
  t.equal(normaliseInstant('2016-08-10T13:30:06+02:00'), '2016-08-10T11:30:06.000Z');
  t.equal(normaliseInstant('2016-08-10t11:30:06z'), '2016-08-10T11:30:06.000Z');
});

t.test('keeps digits past the millisecond so distinct instants stay distinct', async (t) => {
  t.equal(normaliseInstant('2016-08-10T11:30:06.123456Z'), '2016-08-10T11:30:06.123456Z');
  t.equal(normaliseInstant('2016-08-10T11:30:06.123400Z'), '2016-08-10T11:30:06.1234Z');
  t.not(normaliseInstant('2016-08-10T11:30:06.1231Z'), normaliseInstant('2016-08-10T11:30:06.1232Z'));
});

t.test('the key is pass_id, event and the instant', async (t) => {
  const event = makePassEvent({ event_at: '2016-08-10T11:30:06.000+00:00' });
  t.equal(defaultIdempotencyKey(event), `${event.pass_id}:installed:2016-08-10T11:30:06.000Z`);
  t.not(defaultIdempotencyKey(event), defaultIdempotencyKey({ ...event, event: 'fetched' }));
  t.not(defaultIdempotencyKey(event), defaultIdempotencyKey({ ...event, event_at: '2016-08-10T11:30:07Z' }));
});

t.test('the fast paths (already canonical, whole seconds in UTC) agree with the general parse for any instant', async (t) => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
      const iso = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
      const spellings = [iso, iso.replace('.000Z', 'Z'), iso.replace('Z', '+00:00'), iso.replace('.000Z', '+00:00').toLowerCase()];
      return new Set(spellings.map(normaliseInstant)).size === 1 && normaliseInstant(spellings[1] as string) === iso;
    }),
    { numRuns: 2000 },
  );
  t.equal(normaliseInstant('2016-08-10T11:30:06Z'), '2016-08-10T11:30:06.000Z');
});

t.test('a pass_id spelled in upper case is the same pass', async (t) => {
  const event = makePassEvent();
  t.equal(defaultIdempotencyKey({ ...event, pass_id: event.pass_id.toUpperCase() }), defaultIdempotencyKey(event));
});
