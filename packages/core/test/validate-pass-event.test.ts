import t from 'tap';
import { validatePassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { platformExample } from './helpers.js';

const example = (): Record<string, unknown> => JSON.parse(platformExample.toString('utf8'));

t.test('accepts the platform example as a known installed event', async (t) => {
  const result = validatePassEvent(example());
  t.equal(result.ok, true);
  t.equal(result.ok && result.known, true);
  t.equal(result.ok && result.event.event_extra.registration_id, '00f537be-f153-46ad-a980-bbddcb9002c3');
});

t.test('keeps unknown extra fields instead of rejecting them', async (t) => {
  const result = validatePassEvent({
    ...example(),
    'voided ': false,
    brand_new: { nested: 1 },
    event_extra: { ...(example().event_extra as object), wifi: 'yes' },
  });
  t.equal(result.ok, true);
  t.same(result.ok && (result.event as Record<string, unknown>).brand_new, { nested: 1 });
  t.equal(result.ok && result.event.event_extra.wifi, 'yes');
});

t.test('an unknown event name with valid fields is accepted as unknown', async (t) => {
  const result = validatePassEvent({ ...example(), event: 'archived' });
  t.equal(result.ok, true);
  t.equal(result.ok && result.known, false);
});

t.test('reports every issue with its JSON path and what was expected', async (t) => {
  const { pass_id: _, ...rest } = example();
  const result = validatePassEvent({ ...rest, event_at: '2016-13-45', redeemed_count: 1.5, redeemed_at: 5, metadata: [], event_extra: { ip: 7 } });
  t.equal(result.ok, false);
  if (result.ok) return;
  t.equal(result.error.code, 'invalid_event');
  t.equal(result.error.status, 422);
  const byPath = Object.fromEntries((result.error.issues ?? []).map((issue) => [issue.path, issue.message]));
  t.same(Object.keys(byPath).sort(), [
    '$.event_at',
    '$.event_extra.ip',
    '$.event_extra.registration_id',
    '$.metadata',
    '$.pass_id',
    '$.redeemed_at',
    '$.redeemed_count',
  ]);
  t.equal(byPath['$.event_at'], 'expected when the event happened (an RFC 3339 date-time), got "2016-13-45"');
  t.match(byPath['$.pass_id'], /^is required: expected the pass \(a UUID\)/);
  t.match(byPath['$.redeemed_at'], /an RFC 3339 date-time or null\), got 5$/);
  t.match(byPath['$.redeemed_count'], /an integer >= 0\), got 1.5$/);
  t.match(result.error.message, /^invalid pass event: .* \(and 6 more issues\)$/);
});

t.test('rejects a non-object body, an empty event name and a wrong context type', async (t) => {
  for (const value of [null, 42, 'installed', [], { ...example(), event: '' }, { ...example(), context: 3 }]) {
    const result = validatePassEvent(value);
    t.equal(result.ok ? 'accepted' : result.error.code, 'invalid_event', JSON.stringify(value).slice(0, 40));
  }
});

t.test('the 2016 document shape (action_at, no event_at) gets legacy_payload', async (t) => {
  const { event_at: eventAt, event_extra: _, ...legacy } = example();
  const result = validatePassEvent({ ...legacy, action_at: eventAt, 'voided ': false });
  t.equal(result.ok ? 'accepted' : result.error.code, 'legacy_payload');
  t.match(result.ok ? '' : result.error.message, /action_at/);
});

t.test('accepts nullable date-times as strings and null, in any spelling of the instant', async (t) => {
  for (const at of ['2016-08-10T11:29:08Z', '2016-07-15T09:49:12.241Z', '2016-08-09T14:30:54.000+00:00']) {
    t.equal(validatePassEvent(makePassEvent({ event_at: at, redeemed_at: at, last_fetched_at: at })).ok, true, at);
  }
});

t.test('a date-time that names no instant is an issue at its path beside the others, in a legacy document too', async (t) => {
  const event = makePassEvent();
  const both = validatePassEvent({ ...event, created_at: 'yesterday', pass_id: 'not-a-uuid' });
  t.same(both.ok ? [] : both.error.issues?.map((issue) => issue.path), ['$.pass_id', '$.created_at']);
  const { event_at: _eventAt, ...legacy } = event;
  const old = validatePassEvent({ ...legacy, action_at: event.event_at, created_at: '2016-02-30T00:00:00Z' });
  t.equal(old.ok ? undefined : old.error.code, 'legacy_payload');
  t.match(old.ok ? [] : old.error.issues, [
    { path: '$.event_at' },
    { path: '$.created_at', message: /^expected when the pass was created \(an RFC 3339 date-time\), got "2016-02-30T00:00:00Z"$/ },
  ]);
});
