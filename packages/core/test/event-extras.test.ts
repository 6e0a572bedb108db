import t from 'tap';
import {
  DEVICE_EVENT_NAMES,
  EVENT_NAMES,
  createWebhookHandler,
  isDeviceEventName,
  validatePassEvent,
  type EventExtraOf,
  type PassEventOf,
} from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { KEY, delivery } from './helpers.js';

t.test('installed, fetched and uninstalled are the device events', async (t) => {
  t.same([...DEVICE_EVENT_NAMES], ['installed', 'fetched', 'uninstalled']);
  t.same(EVENT_NAMES.filter(isDeviceEventName), ['installed', 'fetched', 'uninstalled']);
});

t.test('a device event without event_extra.registration_id is invalid_event naming the field', async (t) => {
  for (const event of DEVICE_EVENT_NAMES) {
    const result = validatePassEvent(makePassEvent({ event, event_extra: { device_os: 'ios' } }));
    t.equal(result.ok ? 'accepted' : result.error.code, 'invalid_event', event);
    t.same(result.ok ? [] : result.error.issues, [
      { path: '$.event_extra.registration_id', message: `is required on ${event} events: expected the device registration (a non-empty string)` },
    ]);
  }
});

t.test('a device event with its registration only is accepted: the device fields are optional', async (t) => {
  for (const event of DEVICE_EVENT_NAMES) {
    const result = validatePassEvent(makePassEvent({ event, event_extra: { registration_id: 'r-1' } }));
    t.equal(result.ok && result.known, true, event);
  }
});

t.test('created, downloaded, redeemed and unknown events need nothing in event_extra', async (t) => {
  for (const event of ['created', 'downloaded', 'redeemed', 'archived']) {
    t.equal(validatePassEvent(makePassEvent({ event, event_extra: {} })).ok, true, event);
  }
});

t.test('a wrongly typed registration_id gets the common schema issue only, once', async (t) => {
  const result = validatePassEvent(makePassEvent({ event_extra: { registration_id: 7 } }));
  t.same(result.ok ? [] : result.error.issues?.map((issue) => issue.path), ['$.event_extra.registration_id']);
});

t.test('the missing registration is listed with the common schema issues, not after they are fixed', async (t) => {
  const result = validatePassEvent(makePassEvent({ event: 'fetched', redeemed_count: -1, event_extra: {} }));
  t.same(result.ok ? [] : result.error.issues?.map((issue) => issue.path), ['$.redeemed_count', '$.event_extra.registration_id']);
  t.match(result.ok ? '' : result.error.message, /\(and 1 more issue\)$/);
});

t.test('the pipeline answers 422 to an installed event without a registration and calls no handler', async (t) => {
  let calls = 0;
  const webhooks = createWebhookHandler({ apiKey: KEY, onAny: () => void calls++ });
  const response = await webhooks.handle(delivery(makePassEvent({ event_extra: { pass_id: 'x' } })));
  t.equal(response.status, 422);
  t.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, 'invalid_event');
  t.equal(calls, 0);
});

t.test('a handler of installed gets registration_id as a string (typed per event)', async (t) => {
  const ids: string[] = [];
  const webhooks = createWebhookHandler({ apiKey: KEY }).on('installed', (event) => {
    const id: string = event.event_extra.registration_id;
    ids.push(id);
  });
  t.equal((await webhooks.handle(delivery(makePassEvent({ event_extra: { registration_id: 'r-9' } })))).status, 200);
  t.same(ids, ['r-9']);
  const redeemed = makePassEvent({ event: 'redeemed', event_extra: {} }) as PassEventOf<'redeemed'>;
  // @ts-expect-error a redeemed event carries no guaranteed registration
  const none: string = redeemed.event_extra.registration_id;
  t.equal(none, undefined);
  const extra: EventExtraOf<'fetched'> = { registration_id: 'r-1', wallet_type: 'apple_wallet' };
  // @ts-expect-error a fetched event's extra needs its registration
  const missing: EventExtraOf<'fetched'> = { device_os: 'ios' };
  t.ok(extra && missing);
});
