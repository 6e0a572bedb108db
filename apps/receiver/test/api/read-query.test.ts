import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { admin, deliver, testApp } from '../helpers.js';

t.test('since and until read date-times as the webhook reads event_at: a leap second is accepted by both, hour 24 by neither', async (t) => {
  const { http } = testApp(t);
  const leap = makePassEvent({ event_at: '2026-03-01T23:59:60Z' });
  t.equal((await deliver(http, leap)).status, 200, 'the webhook accepts a leap second');
  t.equal((await deliver(http, makePassEvent({ event_at: '2026-03-01T23:59:59.998Z' }))).status, 200);
  t.equal((await deliver(http, makePassEvent({ event_at: '2026-03-01T24:00:00Z' }))).status, 422, 'the webhook refuses hour 24');
  const passIds = async (query: string): Promise<string[]> => {
    const res = await admin(http, `/api/events?${query}`);
    t.equal(res.status, 200, query);
    return (res.body.data as Array<{ pass_id: string }>).map((event) => event.pass_id);
  };
  // The leap second is 23:59:59.999...Z: inclusive since finds the event at it, exclusive until leaves it out, in any spelling.
  t.same(await passIds('since=2026-03-01T23:59:60Z'), [leap.pass_id]);
  t.same(await passIds('since=2026-03-02T00:59:60.5%2B01:00'), [leap.pass_id], 'another spelling of the same leap second');
  t.equal((await passIds('until=2026-03-01T23:59:60Z')).length, 1, 'until the leap second: only the event before it');
  t.same(await passIds('since=2026-03-01T23:59:60Z&until=2026-03-02'), [leap.pass_id]);
  t.equal((await admin(http, '/api/stats?until=2026-03-01T23:59:60Z')).body.data.total, 1, 'the stats read it the same way');
  for (const path of ['/api/events?since=2026-03-01T24:00:00Z', '/api/rejections?until=2026-03-01T12:00:60Z']) {
    const res = await admin(http, path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'invalid_request', path);
  }
  t.equal((await admin(http, '/api/events?since=2026-03-01T09:00Z')).status, 200, 'a date-time without seconds is still read');
});

t.test('every read route refuses an unknown query parameter with 400 invalid_request naming it', async (t) => {
  // Forwarding on, so its routes exist; the stored event's attempts to the closed port fail unread.
  const { http } = testApp(t, { forward: { url: 'http://127.0.0.1:9/webhooks/passworks', apiKey: 'downstream-key' } });
  t.equal((await deliver(http, makePassEvent())).status, 200);
  const id = ((await admin(http, '/api/events')).body.data as Array<{ id: number }>)[0]?.id;
  const routes = [
    '/api/events',
    '/api/events/newest',
    '/api/events/count',
    `/api/events/${id}`,
    `/api/events/${id}/raw`,
    `/api/events/${id}/deliveries`,
    '/api/replays/1',
    '/api/passes',
    '/api/stats',
    '/api/rejections',
    '/api/export/events.ndjson',
    '/api/session',
  ];
  for (const route of routes) {
    const res = await admin(http, `${route}?colour=red`);
    t.equal(res.status, 400, route);
    t.equal(res.body.error?.code, 'invalid_request', route);
    t.match(res.body.error?.message, /^query: expected .*, got "colour"$/, route);
  }
  t.equal((await admin(http, `/api/events/${id}`)).status, 200, 'the same route without it answers');
});
