import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main } from '@passworks-webhooks/receiver';
import { keptAdminToken } from '../../src/ops/kept-admin-token.js';

t.test('the first call generates a 0600 file beside the database file; later calls read the same token', async (t) => {
  const dir = t.testdir();
  const first = keptAdminToken(join(dir, 'nested', 'passworks.db'));
  t.equal(first.path, join(dir, 'nested', 'admin-token'));
  t.equal(first.created, true);
  t.equal(statSync(first.path).mode & 0o777, 0o600);
  t.match(first.token, /^[A-Za-z0-9_-]{32}$/);
  const again = keptAdminToken(join(dir, 'nested', 'other.db'));
  t.same(again, { token: first.token, path: first.path, created: false }, 'a second database file in the folder shares the token');
  t.not(keptAdminToken(join(t.testdir(), 'x.db')).token, first.token, 'another folder gets another token');
});

t.test('a token file other users may open is refused: main exits 2 with one line naming the file and chmod 600, never the token', async (t) => {
  const dir = t.testdir();
  const databasePath = join(dir, 'data', 'passworks.db');
  const { path, token } = keptAdminToken(databasePath);
  chmodSync(path, 0o640);
  t.throws(() => keptAdminToken(databasePath), {
    code: 'invalid_config',
    message: `${path} is open to other users (mode 0640), so the admin token in it may have been read: run "chmod 600 ${path}" to keep it, or delete the file to have a new one generated, then start again`,
  });
  const out: string[] = [];
  const codes: number[] = [];
  const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), exit: (c: number) => void codes.push(c) };
  t.equal(await main([], { PASSWORKS_API_KEY: 'k', DATABASE_PATH: databasePath }, io), undefined);
  t.same(codes, [2]);
  t.equal(out.length, 1);
  t.match(out[0], `passworks-receiver: the admin token file cannot be used: ${path} is open to other users (mode 0640)`);
  t.notMatch(out.join(''), token);
  t.equal(statSync(path).mode & 0o777, 0o640, 'the file is left for its owner to judge');
  t.equal(readFileSync(path, 'utf8').trim(), token, 'and not rewritten');
});

t.test('a token file without a usable token is refused without showing its content', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'data'));
  const path = join(dir, 'data', 'admin-token');
  for (const content of ['', 'short-token\n', 'two words in a long enough token\n']) {
    writeFileSync(path, content, { mode: 0o600 });
    const error = t.throws(() => keptAdminToken(join(dir, 'data', 'passworks.db')), { code: 'invalid_config' }) as Error;
    t.equal(error.message, `${path}: expected one token of at least 16 characters without spaces (not shown); delete the file to have a new one generated`);
  }
  writeFileSync(path, '  my-own-admin-token-0123456789\n', { mode: 0o600 });
  t.equal(keptAdminToken(join(dir, 'data', 'passworks.db')).token, 'my-own-admin-token-0123456789', 'a token of your own, trimmed');
});
