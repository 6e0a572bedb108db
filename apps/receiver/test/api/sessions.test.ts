import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, API_KEY, testApp } from '../helpers.js';

/** A UI folder outside tap's dot-folder (the static server serves no dot path). */
function uiFolder(t: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'receiver-ui-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ORIGIN = { origin: 'http://inspector.test', host: 'inspector.test' };
const cookieOf = (setCookie: string[] | string | undefined): string => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0] as string;

t.test('signing in with the admin token starts an HttpOnly SameSite=Strict session that opens /api', async (t) => {
  const { app, http } = testApp(t);
  const res = await http.post('/api/session').set(ORIGIN).type('form').send({ token: ADMIN_TOKEN });
  t.equal(res.status, 303);
  t.equal(res.headers.location, '/ui/');
  const setCookie = String(res.headers['set-cookie']);
  t.match(setCookie, /^passworks_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  t.notMatch(setCookie, ADMIN_TOKEN, 'the cookie is a random id, not the token');
  const cookie = cookieOf(res.headers['set-cookie']);
  t.equal(app.stream.clients, 0);
  t.equal((await http.get('/api/events').set('cookie', cookie)).status, 200, 'the session reads the API');
  t.match((await http.get('/api/session').set('cookie', cookie)).body, { data: { expires_at: String } });
  t.equal((await http.get('/api/events').set('cookie', 'passworks_session=forged')).status, 401, 'an unknown id is no session');
});

t.test('a wrong token, the webhook key, or no ADMIN_TOKEN signs nobody in', async (t) => {
  const { http } = testApp(t);
  for (const token of ['wrong-token-0123456789', API_KEY, '']) {
    const res = await http.post('/api/session').set(ORIGIN).type('form').send({ token });
    t.equal(res.status, 303);
    t.equal(res.headers.location, '/ui/?signin=failed');
    t.equal(res.headers['set-cookie'], undefined, 'no cookie');
  }
  const { http: off } = testApp(t, { adminToken: undefined });
  const res = await off.post('/api/session').set(ORIGIN).type('form').send({ token: ADMIN_TOKEN });
  t.equal(res.headers.location, '/ui/?signin=failed', 'without ADMIN_TOKEN nobody signs in');
});

t.test('sign-in and sign-out need a same-origin request; sign-out ends the session', async (t) => {
  const { app, http } = testApp(t);
  const crossSite = await http.post('/api/session').set({ origin: 'https://evil.example', host: 'inspector.test' }).type('form').send({ token: ADMIN_TOKEN });
  t.equal(crossSite.status, 403);
  t.equal(crossSite.body.error.code, 'forbidden');
  t.equal(
    (await http.post('/api/session').set({ host: 'inspector.test' }).type('form').send({ token: ADMIN_TOKEN })).status,
    403,
    'no Origin, no Sec-Fetch-Site: refused',
  );
  const fetchSite = await http.post('/api/session').set({ host: 'inspector.test', 'sec-fetch-site': 'same-origin' }).type('form').send({ token: ADMIN_TOKEN });
  t.equal(fetchSite.status, 303, 'Sec-Fetch-Site: same-origin is accepted');
  const cookie = cookieOf(fetchSite.headers['set-cookie']);
  t.equal(
    (await http.post('/api/session/end').set('cookie', cookie).set({ origin: 'https://evil.example', host: 'inspector.test' })).status,
    403,
    'a cross-site sign-out is refused',
  );
  t.equal((await http.post('/api/session/end').set(ORIGIN)).status, 403, 'signing out needs a session');
  t.equal(app.api !== undefined, true);
  const out = await http.post('/api/session/end').set('cookie', cookie).set(ORIGIN);
  t.equal(out.status, 303);
  t.match(String(out.headers['set-cookie']), /^passworks_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
  t.equal((await http.get('/api/events').set('cookie', cookie)).status, 401, 'the session is over');
});

t.test('a session expires after its lifetime', async (t) => {
  let clock = Date.UTC(2026, 2, 1);
  const { http } = testApp(t, { now: () => clock, sessionTtlMs: 60_000 });
  const cookie = cookieOf((await http.post('/api/session').set(ORIGIN).type('form').send({ token: ADMIN_TOKEN })).headers['set-cookie']);
  t.equal((await http.get('/api/stats').set('cookie', cookie)).status, 200);
  clock += 60_000;
  t.equal((await http.get('/api/stats').set('cookie', cookie)).status, 401);
});

t.test('security headers on the API, health and the inspector', async (t) => {
  const { http } = testApp(t, { uiDirectory: uiFolder(t, { 'index.html': '<!doctype html><title>x</title>' }) });
  for (const path of ['/healthz', '/api/events', '/ui/']) {
    const res = await http.get(path);
    t.equal(
      res.headers['content-security-policy'],
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      path,
    );
    t.equal(res.headers['x-content-type-options'], 'nosniff', path);
    t.equal(res.headers['x-frame-options'], 'DENY', path);
  }
  const ui = await http.get('/ui/');
  t.equal(ui.status, 200);
  t.equal(ui.headers['cache-control'], 'no-cache');
  t.equal((await http.get('/')).headers.location, '/ui/');
});

t.test('without a built UI, /ui/ says how to build it', async (t) => {
  const { http } = testApp(t, { uiDirectory: uiFolder(t, {}) });
  const res = await http.get('/ui/');
  t.equal(res.status, 404);
  t.match(res.text, 'npm run build -w @passworks-webhooks/receiver');
});

t.test('a sign-in body the form parser refuses is a 4xx, never a 5xx', async (t) => {
  const { http } = testApp(t);
  const large = await http
    .post('/api/session')
    .set(ORIGIN)
    .type('form')
    .send(`token=${'x'.repeat(10_000)}`);
  t.equal(large.status, 413);
  t.equal(large.body.error.code, 'payload_too_large');
  const many = await http.post('/api/session').set(ORIGIN).type('form').send('a=1&b=2&c=3&d=4&e=5&f=6&token=x');
  t.equal(many.status, 413, 'too many fields');
  const charset = await http.post('/api/session').set(ORIGIN).set('content-type', 'application/x-www-form-urlencoded; charset=x-unknown').send('token=x');
  t.equal(charset.status, 400);
  t.equal(charset.body.error.code, 'invalid_request');
});

t.test('a state change made with a session must be same-origin: a replay from another origin is 403, from the inspector it goes through', async (t) => {
  const { http } = testApp(t, { forward: { url: 'http://127.0.0.1:9/webhooks/passworks', apiKey: 'downstream-key' } });
  const cookie = cookieOf((await http.post('/api/session').set(ORIGIN).type('form').send({ token: ADMIN_TOKEN })).headers['set-cookie']);
  const body = JSON.stringify({ status: 'all' });
  const crossSite = await http
    .post('/api/replays')
    .set('cookie', cookie)
    .set({ origin: 'http://evil.example', host: 'inspector.test' })
    .type('json')
    .send(body);
  t.equal(crossSite.status, 403);
  t.equal(crossSite.body.error.code, 'forbidden');
  t.equal(
    (await http.post('/api/replays').set('cookie', cookie).set('host', 'inspector.test').type('json').send(body)).status,
    403,
    'no Origin, no Sec-Fetch-Site',
  );
  t.equal((await http.delete('/api/replays/1').set('cookie', cookie).set({ origin: 'http://evil.example', host: 'inspector.test' })).status, 403);
  t.equal((await http.post('/api/replays').set('cookie', cookie).set(ORIGIN).type('json').send(body)).status, 202, 'from the inspector');
  t.equal(
    (await http.post('/api/replays').set('authorization', `Bearer ${ADMIN_TOKEN}`).type('json').send(body)).status,
    202,
    'the bearer token needs no origin',
  );
});

t.test(
  'a session made on one receiver is accepted by another on the same database; the table holds its HMAC keyed by the admin token, never the id; sign-out ends it on both',
  async (t) => {
    const one = testApp(t);
    const two = testApp(t, { databasePath: one.databasePath });
    const cookie = cookieOf((await one.http.post('/api/session').set(ORIGIN).type('form').send({ token: ADMIN_TOKEN })).headers['set-cookie']);
    const id = cookie.split('=')[1] as string;
    t.equal((await two.http.get('/api/events').set('cookie', cookie)).status, 200, 'the other instance accepts it');
    const stored = one.app.db.prepare('SELECT id_hash FROM sessions').pluck().all() as string[];
    t.same(stored, [createHmac('sha256', ADMIN_TOKEN).update(id).digest('hex')]);
    t.notMatch(JSON.stringify(one.app.db.prepare('SELECT * FROM sessions').all()), id, 'the id itself is not stored');
    t.equal((await two.http.post('/api/session/end').set(ORIGIN).set('cookie', cookie)).status, 303, 'signed out on the other');
    t.equal((await one.http.get('/api/events').set('cookie', cookie)).status, 401, 'and gone on the first');
    t.same(one.app.db.prepare('SELECT count(*) FROM sessions').pluck().get(), 0);
  },
);
