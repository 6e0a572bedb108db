// A session is bound to the admin token that made it (issue 20, item 2):
// after a restart with another token, or with none, its cookie reads nothing,
// on SQLite and on PostgreSQL alike.
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import t, { type Test } from 'tap';
import { createApp, type AppOptions } from '@passworks-webhooks/receiver';
import { API_KEY } from '../helpers.js';
import { freshSchemas, testDatabase } from '../test-database.js';

const TOKEN_A = 'first-admin-token-0123456789';
const TOKEN_B = 'second-admin-token-0123456789';
const ORIGIN = { origin: 'http://inspector.test', host: 'inspector.test' };

/** Where a backend keeps its data: the options every "restart" of it reuses. */
type Backend = Pick<AppOptions, 'databasePath' | 'databaseUrl' | 'poolSize'>;

/** A receiver on `backend` with `adminToken` (a process start), closed at teardown. */
function start(t: Test, backend: Backend, adminToken: string | undefined): { http: ReturnType<typeof request>; close: () => Promise<void> } {
  const app = createApp({ apiKeys: [API_KEY], adminToken, logger: pino({ level: 'silent' }), ...backend });
  t.teardown(() => app.close());
  return { http: request(app.listener), close: () => app.close() };
}

/** Signs in with `token` and returns the session cookie (`name=value`). */
async function signIn(t: Test, http: ReturnType<typeof request>, token: string): Promise<string> {
  const res = await http.post('/api/session').set(ORIGIN).type('form').send({ token });
  t.equal(res.headers.location, '/ui/', 'signed in');
  return String(res.headers['set-cookie']).split(';')[0] as string;
}

function sessionSuite(name: string, fresh: () => Promise<Backend>): void {
  t.test(`${name}: a session made with token A reads /api after a restart with A, and gets 401 after one with token B or with no token`, async (t) => {
    const backend = await fresh();
    const first = start(t, backend, TOKEN_A);
    const cookie = await signIn(t, first.http, TOKEN_A);
    t.equal((await first.http.get('/api/events').set('cookie', cookie)).status, 200, 'the session reads /api');
    await first.close();

    const same = start(t, backend, TOKEN_A);
    t.equal((await same.http.get('/api/events').set('cookie', cookie)).status, 200, 'a restart with the same token keeps the session');
    await same.close();

    const rotated = start(t, backend, TOKEN_B);
    const refused = await rotated.http.get('/api/events').set('cookie', cookie);
    t.equal(refused.status, 401, 'token B: the session of token A is over');
    t.equal(refused.body.error.code, 'unauthorized');
    t.equal((await rotated.http.get('/api/session').set('cookie', cookie)).status, 401, 'GET /api/session says so too');
    t.equal((await rotated.http.post('/api/session/end').set(ORIGIN).set('cookie', cookie)).status, 403, 'nor can it sign out');
    const cookieB = await signIn(t, rotated.http, TOKEN_B);
    t.equal((await rotated.http.get('/api/events').set('cookie', cookieB)).status, 200, 'a sign-in with B works');
    await rotated.close();

    const none = start(t, backend, undefined);
    for (const [label, c] of [
      ['A', cookie],
      ['B', cookieB],
    ] as const) {
      t.equal((await none.http.get('/api/events').set('cookie', c)).status, 401, `no token: the session of ${label} is refused`);
      t.equal((await none.http.get('/api/session').set('cookie', c)).status, 401, `no token: GET /api/session refuses ${label}`);
    }
  });

  t.test(`${name}: two instances on one database with different tokens each refuse the other's sessions`, async (t) => {
    const backend = await fresh();
    const a = start(t, backend, TOKEN_A);
    const b = start(t, backend, TOKEN_B);
    const cookie = await signIn(t, a.http, TOKEN_A);
    t.equal((await a.http.get('/api/stats').set('cookie', cookie)).status, 200);
    t.equal((await b.http.get('/api/stats').set('cookie', cookie)).status, 401, 'the instance with token B refuses it');
  });
}

let sqliteDatabases = 0;
sessionSuite('sqlite', async () => ({ databasePath: join(t.testdir(), `receiver-${++sqliteDatabases}.db`) }));

const database = await testDatabase();
if (database !== undefined) {
  const freshSchema = freshSchemas(database, 'sessions');
  sessionSuite('postgres', async () => ({ databasePath: 'unused.db', databaseUrl: (await freshSchema()).url, poolSize: 2 }));
}
