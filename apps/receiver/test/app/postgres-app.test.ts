import t, { type Test } from 'tap';
import { projectPass } from '@passworks-webhooks/receiver';
import { ADMIN_TOKEN, admin, deliver, lifecycle, loyaltySteps, testApp } from '../helpers.js';
import { freshSchemas, testDatabase } from '../test-database.js';

/** A receiver on PostgreSQL (its own pool), closed at teardown. */
const pgApp = (t: Test, databaseUrl: string) => testApp(t, { databaseUrl, poolSize: 4 });

t.test('an unreachable PostgreSQL: /readyz and deliveries answer 503 store_unavailable with Retry-After', async (t) => {
  const { http } = pgApp(t, 'postgres://nobody@127.0.0.1:1/none');
  const ready = await http.get('/readyz');
  t.equal(ready.status, 503);
  t.equal(ready.body.error.code, 'store_unavailable');
  t.ok(ready.headers['retry-after']);
  const [event] = lifecycle([{ event: 'created' }]);
  const res = await deliver(http, event!);
  t.equal(res.status, 503);
  t.equal(res.body.error.code, 'store_unavailable');
  t.ok(res.headers['retry-after']);
});

const database = await testDatabase();
if (database !== undefined) {
  const freshSchema = freshSchemas(database, 'app');

  t.test('the same deliveries give the same HTTP answers and read API on PostgreSQL as on SQLite', async (t) => {
    const events = lifecycle(loyaltySteps('reg-1', 'reg-2'));
    const sqlite = testApp(t);
    const postgres = pgApp(t, (await freshSchema()).url);
    for (const { http } of [sqlite, postgres]) {
      for (const event of [...events].reverse()) t.equal((await deliver(http, event)).status, 200);
      t.same((await deliver(http, events[3]!)).body, { received: true, duplicate: true, event: events[3]!.event });
    }
    const passId = events[0]!.pass_id;
    for (const path of [
      `/api/passes/${passId}`,
      '/api/passes?installed=true',
      '/api/stats',
      `/api/events?pass_id=${passId}&limit=3`,
      `/api/events?event=${events[3]!.event}`,
    ]) {
      const [a, b] = await Promise.all([admin(sqlite.http, path), admin(postgres.http, path)]);
      t.equal(b.status, 200, path);
      const strip = (body: unknown): string =>
        JSON.stringify(body)
          .replace(/"(id|received_at)":("[^"]*"|\d+)/g, '"$1":0')
          .replace(/"(cursor|stream_cursor)":"[^"]*"/g, '"$1":"-"');
      t.equal(strip(b.body), strip(a.body), `${path} answers alike`);
    }
    t.same((await postgres.http.get('/readyz')).body, { status: 'ready' });
  });

  t.test('a session made on one receiver is accepted by another on the same database, and sign-out on either ends it', async (t) => {
    const { url } = await freshSchema();
    const one = pgApp(t, url);
    const two = pgApp(t, url);
    const origin = { origin: 'http://inspector.test', host: 'inspector.test' };
    const signedIn = await one.http.post('/api/session').set(origin).type('form').send({ token: ADMIN_TOKEN });
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
    t.equal((await two.http.get('/api/stats').set('cookie', cookie)).status, 200, 'the other instance accepts it');
    const { rows } = await (one.app.storage as unknown as { pool: { query(sql: string): Promise<{ rows: unknown[] }> } }).pool.query('SELECT * FROM sessions');
    t.equal(rows.length, 1);
    t.notMatch(JSON.stringify(rows), cookie.split('=')[1] as string, 'the id itself is not stored');
    t.equal((await two.http.post('/api/session/end').set(origin).set('cookie', cookie)).status, 303);
    t.equal((await one.http.get('/api/stats').set('cookie', cookie)).status, 401, 'signed out everywhere');
  });

  t.test('two receivers on one database, one pass’s events sent to both at once: no lost projection update', async (t) => {
    const { url } = await freshSchema();
    const one = pgApp(t, url);
    const two = pgApp(t, url);
    const events = lifecycle([...loyaltySteps('reg-1', 'reg-2'), ...loyaltySteps('reg-3', 'reg-4').slice(2)]);
    // Every event to both instances at once: each is stored once; the copy waits for the first's commit and is a duplicate.
    const answers = await Promise.all(events.flatMap((event) => [deliver(one.http, event), deliver(two.http, event)]));
    t.same(
      answers.map((res) => res.status),
      answers.map(() => 200),
      'every delivery answered 200',
    );
    t.same(
      events.map((_, index) => [answers[2 * index], answers[2 * index + 1]].filter((res) => res?.body.duplicate !== true).length),
      events.map(() => 1),
      'of each pair, one stored and one duplicate',
    );
    for (const event of events) t.equal((await deliver(one.http, event)).body.duplicate, true, 'a retry is a duplicate');
    const pass = (await admin(two.http, `/api/passes/${events[0]!.pass_id}`)).body.data;
    const { timeline: _timeline, timeline_truncated: _truncated, ...state } = pass;
    const { last_sort_key: _key, ...expected } = projectPass(events)!;
    t.same(state, expected);
    t.equal(pass.timeline.length, events.length, 'each event stored once');
  });
}
