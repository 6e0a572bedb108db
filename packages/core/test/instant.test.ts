import t from 'tap';
import fc from 'fast-check';
import { compareInstants, defaultIdempotencyKey, normaliseInstant, parseInstant, validatePassEvent } from '@passworks-webhooks/core';
import { makePassEvent, spellInstant, spellLeapSecond, type Spelling } from '@passworks-webhooks/core/testing';

const anInstant = fc.record({
  // 0001-01-02 to 2999: before 1970 too, where the spelling is still built from the text's own fields (a day in: any offset stays in year 0001).
  ms: fc.integer({ min: -62_135_510_400_000, max: Date.UTC(2999, 11, 31) }),
  subMsNanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
});
const aSpelling: fc.Arbitrary<Spelling> = fc.record({
  offsetMinutes: fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: -1_439, max: 1_439 })),
  unknownOffset: fc.boolean(),
  extraZeros: fc.integer({ min: 0, max: 6 }),
  pastNanos: fc.stringMatching(/^\d{0,4}$/),
  lowerT: fc.boolean(),
  lowerZ: fc.boolean(),
});

t.test('every RFC 3339 spelling of one instant is one instant, one key, and valid', async (t) => {
  const event = makePassEvent();
  fc.assert(
    fc.property(anInstant, fc.array(aSpelling, { minLength: 2, maxLength: 6 }), (instant, spellings) => {
      const texts = spellings.map((spelling) => spellInstant(instant, spelling));
      const parsed = texts.map(parseInstant);
      if (parsed.some((p) => p === undefined || p.ms !== instant.ms || p.subMsNanos !== instant.subMsNanos)) return false;
      // The one spelling, whichever way it was built (from a UTC text's own fields, or through Date for an offset).
      const sub = String(instant.subMsNanos).padStart(6, '0').replace(/0+$/, '');
      const iso = `${new Date(instant.ms).toISOString().slice(0, -1)}${sub}Z`;
      if (parsed.some((p) => p?.iso !== iso)) return false;
      if (new Set(texts.map((event_at) => defaultIdempotencyKey({ ...event, event_at }))).size !== 1) return false;
      return texts.every((event_at) => validatePassEvent({ ...event, event_at }).ok);
    }),
    { numRuns: 3_000 },
  );
  t.pass('3,000 instants, 2 to 6 spellings each');
});

t.test('a leap second is 23:59:59.999999999Z of its day in every spelling, and one key', async (t) => {
  const day = Date.UTC(2016, 11, 31);
  const spellings = [
    '2016-12-31T23:59:60Z',
    '2016-12-31T23:59:60+00:00',
    '2016-12-31t23:59:60.5z',
    '2017-01-01T00:59:60.999+01:00',
    '2016-12-31T18:29:60-05:30',
    spellLeapSecond(day, 840, '25'),
  ];
  t.same(new Set(spellings.map(normaliseInstant)), new Set(['2016-12-31T23:59:59.999999999Z']));
  t.same(parseInstant('2016-12-31T23:59:60Z'), {
    ms: Date.UTC(2016, 11, 31, 23, 59, 59, 999),
    subMsNanos: 999_999,
    iso: '2016-12-31T23:59:59.999999999Z',
    leapSecond: true,
  });
  const event = makePassEvent();
  t.equal(new Set(spellings.map((event_at) => defaultIdempotencyKey({ ...event, event_at }))).size, 1);
});

t.test('a leap second orders after every instant of 23:59:59 and before the next day, never on it', async (t) => {
  const leap = parseInstant('2016-12-31T23:59:60Z');
  const last = parseInstant('2016-12-31T23:59:59.999999Z');
  const next = parseInstant('2017-01-01T00:00:00Z');
  if (leap === undefined || last === undefined || next === undefined) return t.fail('unparsed');
  t.ok(compareInstants(last, leap) < 0);
  t.ok(compareInstants(leap, next) < 0);
  t.not(normaliseInstant('2016-12-31T23:59:60Z'), normaliseInstant('2017-01-01T00:00:00Z'));
});

t.test('names no instant for what RFC 3339 does not allow, or Date cannot read', async (t) => {
  for (const text of [
    '2026-03-01T09:05:00Z[UTC]',
    '2026-03-01T09:05:00Z[Europe/Paris]',
    '2026-03-01T09:05:00',
    '2026-03-01 09:05:00Z',
    '2026-02-29T09:05:00Z',
    '2026-13-01T09:05:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T09:60:00Z',
    '2026-03-01T12:00:60Z',
    '2016-12-31T23:59:60+01:00',
    '2026-03-01T09:05:00+24:00',
    '2026-03-01T09:05:00.Z',
    '+002026-03-01T09:05:00Z',
    '２０２６-03-01T09:05:00Z',
  ]) {
    t.equal(parseInstant(text), undefined, text);
  }
  t.equal(parseInstant('2024-02-29T00:00:00Z')?.iso, '2024-02-29T00:00:00.000Z', 'a leap day is a day');
});

t.test('keeps the nanosecond and drops digits past it', async (t) => {
  t.equal(parseInstant('2016-08-10T11:30:06.123456789Z')?.iso, '2016-08-10T11:30:06.123456789Z');
  t.equal(parseInstant('2016-08-10T11:30:06.1234567891234Z')?.iso, '2016-08-10T11:30:06.123456789Z');
  t.equal(parseInstant('2016-08-10T11:30:06.100000000000000Z')?.iso, '2016-08-10T11:30:06.100Z');
});

t.test('years 0000 to 0099 are those years, not 1900 to 1999', async (t) => {
  t.equal(parseInstant('0001-01-01T00:00:00Z')?.iso, '0001-01-01T00:00:00.000Z');
  t.equal(parseInstant('0050-06-15T12:00:00+02:00')?.iso, '0050-06-15T10:00:00.000Z');
});

t.test('an event whose date-time is not one instant is 422 invalid_event at its path', async (t) => {
  const result = validatePassEvent(makePassEvent({ event_at: '2026-03-01T09:05:00Z[UTC]', created_at: '2026-03-01T12:00:60Z' }));
  t.equal(result.ok ? 'accepted' : result.error.code, 'invalid_event');
  t.same(result.ok ? [] : result.error.issues?.map((issue) => issue.path), ['$.created_at', '$.event_at']);
  t.match(
    result.ok ? '' : result.error.issues?.[1]?.message,
    /^expected when the event happened \(an RFC 3339 date-time\), got "2026-03-01T09:05:00Z\[UTC\]"$/,
  );
});
