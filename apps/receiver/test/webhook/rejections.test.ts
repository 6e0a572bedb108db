import t, { type Test } from 'tap';
import request from 'supertest';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import type { AppOptions } from '@passworks-webhooks/receiver';
import { API_KEY, WEBHOOK_PATH, admin, testApp, waitFor } from '../helpers.js';
import { testDatabase } from '../test-database.js';

// Issue 20, item 12 (bounded writes for unauthenticated traffic, exact counts) and issue 21 (rejections that say why),
// through real HTTP on both backends.

/** Bad-key deliveries from one address: far past the documented budget of 10 rows per address per minute. */
const FLOOD = 500;
const ROWS_PER_ADDRESS = 10;
const [FLOODER, OTHER] = ['203.0.113.7', '198.51.100.9'];
/** The app's clock, fixed: every rejection falls in one budget window and one stats hour. */
const NOW = Date.UTC(2026, 2, 2, 10, 30);

interface Row {
  readonly code: string;
  readonly client_address: string | null;
  readonly event: string | null;
  readonly message: string | null;
  readonly issues: Array<{ path: string; message: string }> | null;
}

const post = (http: ReturnType<typeof request>, from: string, body: string, key: string) =>
  http.post(WEBHOOK_PATH).set('content-type', 'application/json').set('authorization', key).set('x-forwarded-for', from).send(body);

function scenario(name: string, options: () => Promise<Partial<AppOptions> | undefined>): void {
  t.test(
    `${name}: ${FLOOD} bad-key deliveries from one address write ${ROWS_PER_ADDRESS} rows and count ${FLOOD}; a second address and authenticated rejections keep their rows`,
    async (t: Test) => {
      const extra = await options();
      if (extra === undefined) return;
      const { http } = testApp(t, { trustProxy: ['127.0.0.1/8', '::1'], now: () => NOW, ...extra });
      const body = JSON.stringify(makePassEvent());
      for (let sent = 0; sent < FLOOD; sent += 25) {
        const answers = await Promise.all(Array.from({ length: 25 }, () => post(http, FLOODER, body, 'wrong-key')));
        t.ok(
          answers.every((answer) => answer.status === 401),
          'every flood delivery is answered 401',
        );
      }
      for (let i = 0; i < 3; i += 1) t.equal((await post(http, OTHER, body, 'wrong-key')).status, 401);
      // After the flood, the platform's own deliveries from the flooded address: stored, and a refused one recorded with why.
      t.equal((await post(http, FLOODER, body, API_KEY)).status, 200, 'an authenticated delivery is unaffected');
      const invalid = JSON.stringify({ ...makePassEvent({ event: 'fetched' }), event_at: 'not a time' });
      const refused = await post(http, FLOODER, invalid, API_KEY);
      t.equal(refused.status, 422);

      const total = FLOOD + 3 + 1;
      const stats = async () => (await admin(http, '/api/stats')).body.data.rejections as { total: number; by_hour: unknown[] };
      await waitFor(async () => (await stats()).total === total, `the stats to count ${total} rejections`);
      t.same((await stats()).by_hour, [{ hour: '2026-03-02T10:00:00.000Z', count: total }], 'every 401 counted, in its hour');
      const rows = (await admin(http, '/api/rejections?limit=1000')).body.data as Row[];
      const from = (address: string, code: string) => rows.filter((row) => row.client_address === address && row.code === code).length;
      t.equal(from(FLOODER, 'unauthorized'), ROWS_PER_ADDRESS, `the flooding address got ${ROWS_PER_ADDRESS} rows, not ${FLOOD}`);
      t.equal(from(OTHER, 'unauthorized'), 3, 'the budget is per address: the second one got its rows');
      t.equal(rows.length, ROWS_PER_ADDRESS + 3 + 1);

      // Issue 21: the 422 says why, and names the event its parsed body gave; a 401 keeps its message and nothing of the body.
      const [row] = (await admin(http, '/api/rejections?code=invalid_event')).body.data as Row[];
      t.equal(row?.event, 'fetched');
      t.equal(row?.message, JSON.parse(refused.text).error.message);
      t.same(row?.issues, JSON.parse(refused.text).error.issues);
      t.ok(
        row?.issues?.some((issue) => issue.path === '$.event_at'),
        'the issue path of event_at is kept',
      );
      const [unauthorized] = (await admin(http, '/api/rejections?code=unauthorized&limit=1')).body.data as Row[];
      t.same([unauthorized?.event, unauthorized?.issues, typeof unauthorized?.message], [null, null, 'string']);
      t.same(
        ((await admin(http, '/api/rejections?event=fetched')).body.data as Row[]).map((r) => r.code),
        ['invalid_event'],
        '?event= filters by the event name',
      );
      const unknown = await admin(http, '/api/rejections?code=not_a_code');
      t.equal(unknown.status, 400);
      t.equal(unknown.body.error.code, 'invalid_request');
      t.match(unknown.body.error.message, /^code: expected an error code/);
    },
  );
}

scenario('SQLite', async () => ({}));

const database = await testDatabase();
if (database !== undefined) {
  scenario('PostgreSQL', async () => ({ databaseUrl: database.connectionString, poolSize: 4 }));
}
