// One redaction for every URL printed (issue 20, item 10): a password never
// shows, whatever the scheme, in the value itself, a query parameter, or a
// URL too broken to parse; configuration errors go through it.
import t from 'tap';
import { loadConfig, main } from '@passworks-webhooks/receiver';
import { redactedUrl } from '../../src/common/redacted-url.js';

t.test('the password goes, whatever the scheme; the rest stays', async (t) => {
  t.equal(redactedUrl('mysql://u:s3cretPW@h/db'), 'mysql://u:***@h/db');
  t.equal(redactedUrl('postgres://app:s3cretPW@db.internal:5432/passworks'), 'postgres://app:***@db.internal:5432/passworks');
  t.equal(redactedUrl('https://user:s3cretPW@example.com/hook'), 'https://user:***@example.com/hook');
  t.equal(redactedUrl('postgres://app@db.internal:5432/passworks'), 'postgres://app@db.internal:5432/passworks', 'nothing to hide: unchanged');
  t.equal(redactedUrl('postgres://h/db?password=s3cretPW&sslmode=require'), 'postgres://h/db?password=***&sslmode=require', 'a secret query parameter');
});

t.test('a value that is not a URL with a host keeps nothing before its last @', async (t) => {
  t.equal(redactedUrl('postgres://u:s3cret/PW@127.0.0.1:5432/db'), 'postgres://***@127.0.0.1:5432/db', 'a password with a bare "/" (unparsable)');
  t.equal(redactedUrl('u:s3cretPW@h/db'), '***@h/db', 'no scheme');
  t.equal(redactedUrl('postgres://u:s3cretPW@/db'), 'postgres://***@/db', 'no host (a socket)');
  t.equal(redactedUrl('not a url ?password=s3cretPW'), 'not a url ?password=***');
});

t.test('configuration errors on a URL never echo its password; main exits 2', async (t) => {
  const base = { PASSWORKS_API_KEY: 'k' };
  for (const url of ['mysql://u:s3cretPW@h/db', 'postgres://u:s3cret/PW@127.0.0.1:5432/db', 'http://u:s3cretPW@h/db']) {
    const error = t.throws(() => loadConfig({ ...base, DATABASE_URL: url }), { code: 'invalid_config', message: /^DATABASE_URL \(--database-url\): expected/ });
    t.notMatch(String((error as Error | undefined)?.message), /s3cret/, url);
  }
  t.notMatch(
    String((t.throws(() => loadConfig({ ...base, FORWARD_URL: 'ftp://u:s3cretPW@h/x', FORWARD_API_KEY: 'key' })) as Error | undefined)?.message),
    /s3cret/,
    'FORWARD_URL too',
  );
  const out: string[] = [];
  const codes: number[] = [];
  await main(
    [],
    { ...base, DATABASE_URL: 'mysql://u:s3cretPW@h/db' },
    { stdout: (s) => void out.push(s), stderr: (s) => void out.push(s), exit: (code) => void codes.push(code) },
  );
  t.same(codes, [2]);
  t.match(out.join(''), /got "mysql:\/\/u:\*\*\*@h\/db"\n$/);
  t.notMatch(out.join(''), /s3cret/);
});
