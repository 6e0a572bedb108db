import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import type { ReceiverApp } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, API_KEY, WEBHOOK_PATH, admin, deliver, testApp, waitFor } from '../helpers.js';

// An adversarial run: a client holding the key wrote it into X-Request-Id, the path, the event name (and the
// fields that echo it), and it reached the log and the rejection rows. The key must be in no log line and no row.

/** Every row of every table, BLOBs as text: what a stolen database file would show. */
function everyRow(app: ReceiverApp): string {
  const tables = app.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
  const rows = tables.map((name) => app.db.prepare(`SELECT * FROM "${name}"`).all());
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer'
      ? Buffer.from((value as { data: number[] }).data).toString('utf8')
      : value,
  );
}

t.test('a key written into X-Request-Id, the path, X-Forwarded-For or the event is in no log line and no stored row', async (t) => {
  // Two hops trusted: the first X-Forwarded-For entry, written by the client, is the address logged and stored.
  const { app, http, logs } = testApp(t, { trustProxy: 2 });
  const sent = (body: Record<string, unknown>) => deliver(http, body).set('x-request-id', `req-${API_KEY}`).set('x-forwarded-for', `${API_KEY}, 10.0.0.1`);

  // A valid event whose name holds the key: refused for good (storing it would store the key), the same on a retry.
  const named = makePassEvent({ event: `x-${API_KEY}` });
  for (const attempt of [1, 2]) {
    const refused = await sent(named);
    t.equal(refused.status, 422, `attempt ${attempt}`);
    t.equal(refused.body.error.code, 'event_refused');
    t.notMatch(refused.headers['x-request-id'], API_KEY, 'a request id holding the key is replaced, not echoed');
  }
  // An invalid event: the key as its name, in event_at (echoed by the issue) and in the body's first bytes.
  const invalid = await sent({ ...makePassEvent({ event: API_KEY }), event_at: API_KEY });
  t.equal(invalid.status, 422);
  t.equal(invalid.body.error.code, 'invalid_event');
  // The key in a path: the webhook path's tail, and the read API's (with the admin token in the request id).
  t.equal((await http.post(`${WEBHOOK_PATH}/${API_KEY}`).set('content-type', 'application/json').send('{}')).status, 404);
  t.equal((await admin(http, `/api/${API_KEY}`).set('x-request-id', `req-${ADMIN_TOKEN}`)).status, 404);
  // A safe request id is still kept and echoed.
  const accepted = await deliver(http, makePassEvent()).set('x-request-id', 'req-42');
  t.equal(accepted.status, 200);
  t.equal(accepted.headers['x-request-id'], 'req-42');

  await waitFor(() => app.db.prepare('SELECT count(*) FROM rejections').pluck().get() === 3, 'the three rejections to be recorded');
  const rows = app.db.prepare('SELECT event, client_address, request_id, body_prefix FROM rejections ORDER BY id').all() as Array<Record<string, string>>;
  t.same(
    rows.map((row) => [row.event, row.client_address]),
    [
      ['x-[redacted]', '[redacted]'],
      ['x-[redacted]', '[redacted]'],
      ['[redacted]', '[redacted]'],
    ],
    'the event name and client address kept with the key redacted',
  );
  t.match(rows[2]?.body_prefix, /^\{"event":"\[redacted\]"/, 'the body prefix is kept, redacted');
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1, 'only the safe delivery is stored');
  t.notMatch(everyRow(app), API_KEY, 'the key is in no row of any table');
  t.notMatch(everyRow(app), ADMIN_TOKEN, 'nor the admin token');

  const log = logs.join('\n');
  t.notMatch(log, API_KEY, 'the key is in no log line');
  t.notMatch(log, ADMIN_TOKEN, 'nor the admin token');
  t.match(log, '"event":"x-[redacted]"', 'the event name is logged redacted');
  t.match(log, `"path":"/webhooks/passworks/[redacted]"`, 'the path is logged redacted');
  t.match(log, `"path":"/api/[redacted]"`);
  t.match(log, '"client":"[redacted]"');
});

t.test('a key anywhere in an event is refused; a key percent-encoded in a path is logged redacted', async (t) => {
  const { app, http, logs } = testApp(t);
  const inMetadata = await deliver(http, makePassEvent({ metadata: { note: `copied ${API_KEY} by mistake` } }));
  t.equal(inMetadata.status, 422);
  t.equal(inMetadata.body.error.code, 'event_refused');
  const encoded = [...API_KEY].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  t.equal((await admin(http, `/api/${encoded}`)).status, 404);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 0, 'nothing stored');
  t.notMatch(everyRow(app), API_KEY, 'the key is in no row');
  const log = logs.join('\n');
  t.match(log, '"path":"[redacted]"', 'a path holding the key once decoded is logged as [redacted]');
  t.notMatch(log, encoded.toLowerCase());
});

t.test('a key shorter than 16 characters is not searched for: an event holding it by chance is stored, and the start warns', async (t) => {
  const short = 'abc1';
  const { app, http, logs } = testApp(t, { apiKeys: [short] });
  const event = makePassEvent({ pass_id: '00000000-0000-4000-8000-0000abc10000' });
  const stored = await deliver(http, event).set('authorization', short);
  t.equal(stored.status, 200);
  t.equal(app.db.prepare('SELECT count(*) FROM events').pluck().get(), 1, 'the event is stored');
  t.match(logs.join('\n'), /shorter than 16 characters/, 'the start warns about the short key');
});
