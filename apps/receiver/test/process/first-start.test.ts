// The first start without ADMIN_TOKEN (issue 24): the command generates the
// admin token, keeps it beside the SQLite file with mode 0600, prints where
// it is and where the inspector is, never logs it, reuses it later, and
// gives way to ADMIN_TOKEN, whose start ends the sessions it made.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { API_KEY } from '../helpers.js';
import { runCommand, type RunningCommand } from '../run-command.js';
import { testDatabase } from '../test-database.js';

const INSPECTOR_LINE =
  /^passworks-receiver: inspector at (http:\/\/127\.0\.0\.1:(\d+))\/ui\/ - sign in with the admin token in (\S+) \((generated at this first start|kept since the first start); set ADMIN_TOKEN to use your own\)$/m;

/** Signs in through the inspector's form as a browser on `origin` would; resolves with the redirect and the cookie, if one was set. */
async function signIn(origin: string, token: string): Promise<{ location: string | null; cookie: string | undefined }> {
  const res = await fetch(`${origin}/api/session`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return { location: res.headers.get('location'), cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

const readStatus = async (origin: string, cookie: string): Promise<number> =>
  (await fetch(`${origin}/api/events`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) })).status;

/** Every stdout line is one JSON object (stdout is a pipe here): the parsed lines. */
function jsonLines(t: Test, command: RunningCommand): Record<string, unknown>[] {
  return command
    .stdout()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        t.fail(`a stdout line that is not JSON: ${line}`);
        return {};
      }
    });
}

t.test(
  'without ADMIN_TOKEN the first start keeps a 0600 token file, prints its path and the /ui/ URL, never logs the token; a restart reuses it; ADMIN_TOKEN replaces it and ends its sessions',
  async (t) => {
    const dir = t.testdir();
    const env = { PASSWORKS_API_KEY: API_KEY, DATABASE_PATH: join(dir, 'data', 'passworks.db'), PORT: '0', HOST: '127.0.0.1' };
    const tokenPath = join(dir, 'data', 'admin-token');

    const first = runCommand(t, env);
    const [line, origin, , printedPath, origin1] = await first.waitFor(INSPECTOR_LINE, 'stderr');
    t.equal(printedPath, tokenPath, 'the printed line names the token file');
    t.equal(origin1, 'generated at this first start');
    t.equal(statSync(tokenPath).mode & 0o777, 0o600, 'the token file is readable and writable by its owner only');
    const token = readFileSync(tokenPath, 'utf8').trim();
    t.match(token, /^[A-Za-z0-9_-]{32}$/, '192 random bits, URL-safe');
    t.notMatch(line, token, 'the printed line does not hold the token');
    t.equal(first.stderr().match(/inspector at/g)?.length, 1, 'one line');

    t.equal((await signIn(origin!, 'a-wrong-token-0123456789')).location, '/ui/?signin=failed', 'a wrong token is refused');
    const session = await signIn(origin!, token);
    t.equal(session.location, '/ui/', 'the file token signs in');
    t.ok(session.cookie, 'with a session cookie');
    t.equal(await readStatus(origin!, session.cookie!), 200, 'the session reads /api');
    t.equal(
      (await fetch(`${origin!}/api/stats`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })).status,
      200,
      'the file token is the bearer token too',
    );
    t.equal(await first.stop(), 0);
    const logs = jsonLines(t, first);
    t.ok(
      logs.some((log) => log.msg === 'passworks-receiver listening: POST /webhooks/passworks' && log.durability === 'normal'),
      'the log is JSON lines (stdout is a pipe), with the SQLite durability',
    );
    t.ok(
      logs.some((log) => log.msg === 'inspector sign-in refused'),
      'the refused sign-in was logged',
    );
    t.notOk(
      logs.some((log) => log.msg === undefined),
      'no line without a message',
    );
    t.notMatch(first.stdout() + first.stderr(), token, 'the token is in no log line and no printed line');

    const second = runCommand(t, env);
    const [, origin2, , path2, origin2Said] = await second.waitFor(INSPECTOR_LINE, 'stderr');
    t.equal(path2, tokenPath);
    t.equal(origin2Said, 'kept since the first start', 'a restart reuses the kept token');
    t.equal(readFileSync(tokenPath, 'utf8').trim(), token, 'the file is unchanged');
    t.equal(await readStatus(origin2!, session.cookie!), 200, "the first start's session still reads /api");
    t.equal((await signIn(origin2!, token)).location, '/ui/', 'the kept token signs in');
    t.equal(await second.stop(), 0);
    t.notMatch(second.stdout() + second.stderr(), token);

    const ownToken = 'my-own-admin-token-0123456789';
    const third = runCommand(t, { ...env, ADMIN_TOKEN: ownToken });
    const [, port] = await third.waitFor(/"port":(\d+)/);
    const origin3 = `http://127.0.0.1:${port!}`;
    t.equal(await readStatus(origin3, session.cookie!), 401, "with ADMIN_TOKEN set, the file token's session is over");
    t.equal((await signIn(origin3, token)).location, '/ui/?signin=failed', 'the file token is refused');
    t.equal((await signIn(origin3, ownToken)).location, '/ui/', 'ADMIN_TOKEN signs in');
    t.equal(await third.stop(), 0);
    t.notMatch(third.stderr(), /inspector at/, 'no token-file line when ADMIN_TOKEN is set');
    t.notMatch(third.stdout() + third.stderr(), token);
    t.notMatch(third.stdout() + third.stderr(), ownToken, 'ADMIN_TOKEN is never logged either');
    t.equal(readFileSync(tokenPath, 'utf8').trim(), token, 'the file is left as it was');
  },
);

const database = await testDatabase();
if (database !== undefined) {
  t.test(
    'with DATABASE_URL and no ADMIN_TOKEN no token is generated: /api stays closed with one warning naming ADMIN_TOKEN, and no durability is logged',
    async (t) => {
      const dir = t.testdir();
      const command = runCommand(t, {
        PASSWORKS_API_KEY: API_KEY,
        DATABASE_PATH: join(dir, 'data', 'passworks.db'),
        DATABASE_URL: database.connectionString,
        PORT: '0',
        HOST: '127.0.0.1',
      });
      const [, port] = await command.waitFor(/"port":(\d+)/);
      await command.waitFor(/"msg":"the read API/);
      const origin = `http://127.0.0.1:${port!}`;
      t.equal((await signIn(origin, 'any-token-at-all-0123456789')).location, '/ui/?signin=failed', 'nobody signs in');
      t.equal((await fetch(`${origin}/api/events`, { signal: AbortSignal.timeout(10_000) })).status, 401);
      t.equal(await command.stop(), 0);
      t.notOk(existsSync(join(dir, 'data', 'admin-token')), 'no token file');
      t.notMatch(command.stderr(), /inspector at/, 'no token-file line');
      const logs = jsonLines(t, command);
      const warnings = logs.filter((log) => log.level === 40 && String(log.msg).includes('ADMIN_TOKEN'));
      t.equal(warnings.length, 1, 'one warning line names ADMIN_TOKEN');
      t.match(warnings[0]?.msg, 'the same on every receiver of this DATABASE_URL');
      const listening = logs.find((log) => log.msg === 'passworks-receiver listening: POST /webhooks/passworks');
      t.ok(listening, 'the start-up line');
      t.notOk(listening !== undefined && 'durability' in listening, 'without durability, which PostgreSQL does not use');
    },
  );
}
