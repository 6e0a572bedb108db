import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createApp } from '@passworks-webhooks/receiver';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { childBundle } from '../../../../scripts/child-bundle.mjs';
import { runCli } from '../../src/cli/index.js';
import { capture } from '../helpers/capture.js';
import { listen } from '../helpers/listen.js';

const API_KEY = 'pk_naming_secret_key_8812';
const ADMIN_TOKEN = 'admin-token-naming-0123456789';

t.test("verify reads ADMIN_TOKEN, the receiver's name; PASSWORKS_ADMIN_TOKEN still works, with one deprecation line", async (t) => {
  const dir = t.testdir();
  const app = createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, databasePath: join(dir, 'receiver.db') });
  t.teardown(() => app.close());
  const base = await listen(t, app.listener);
  const report = join(dir, 'run.json');
  t.equal(await runCli(['run', '--url', `${base}/webhooks/passworks`, '--passes', '3', '--report', report], capture({ PASSWORKS_API_KEY: API_KEY })), 0);
  const verifyWith = async (env: Record<string, string>): Promise<{ code: number; out: string; err: string }> => {
    const io = capture(env);
    const code = await runCli(['verify', '--report', report, '--receiver', base], io);
    return { code, out: io.out(), err: io.err() };
  };

  const current = await verifyWith({ ADMIN_TOKEN });
  t.equal(current.code, 0, current.err);
  t.match(current.out, /^verified 3 passes against .*: 0 differences\nOK\n$/);
  t.equal(current.err, '', 'no warning');

  const old = await verifyWith({ PASSWORKS_ADMIN_TOKEN: ADMIN_TOKEN });
  t.equal(old.code, 0, 'the token was read from the old name (the receiver would answer 401 without it)');
  t.equal(old.err, 'passworks-emitter: PASSWORKS_ADMIN_TOKEN is deprecated: set ADMIN_TOKEN instead (the name the receiver reads)\n');

  const both = await verifyWith({ ADMIN_TOKEN, PASSWORKS_ADMIN_TOKEN: 'a-stale-token-from-before-0000' });
  t.equal(both.code, 0, 'ADMIN_TOKEN wins');
  t.equal(both.err, 'passworks-emitter: PASSWORKS_ADMIN_TOKEN is deprecated and ignored, as ADMIN_TOKEN is set\n');

  const none = await verifyWith({});
  t.equal(none.code, 2);
  t.match(none.err, /--admin-token is required \(or set ADMIN_TOKEN\)/);
  t.notOk(`${old.out}${old.err}${both.out}${both.err}`.includes(ADMIN_TOKEN), 'the token is never printed');
});

t.test('an unknown flag names the nearest flag of the command, exit 2, its value never echoed', async (t) => {
  const sent: string[] = [];
  const url = await listen(t, (req, res) => void (sent.push(req.url ?? ''), res.writeHead(200).end()));
  const cases: Array<[string[], string]> = [
    [
      ['run', '--url', url, '--pases', '5'],
      'passworks-emitter run: unknown option --pases (did you mean --passes?)\nRun "passworks-emitter run --help" for usage.\n',
    ],
    [
      ['conformance', '--url', url, '--api-ky', API_KEY],
      'passworks-emitter conformance: unknown option --api-ky (did you mean --api-key?)\nRun "passworks-emitter conformance --help" for usage.\n',
    ],
    [
      ['verify', '--report', 'r.json', '--receiver', url, `--admin-tokn=${ADMIN_TOKEN}`],
      'passworks-emitter verify: unknown option --admin-tokn (did you mean --admin-token?)\nRun "passworks-emitter verify --help" for usage.\n',
    ],
    [
      ['trigger', 'created', '--url', url, '--time-out-ms', '5'],
      'passworks-emitter trigger: unknown option --time-out-ms (did you mean --timeout-ms?)\nRun "passworks-emitter trigger --help" for usage.\n',
    ],
    [['generate', '--colour', 'red'], 'passworks-emitter generate: unknown option --colour\nRun "passworks-emitter generate --help" for usage.\n'],
  ];
  for (const [argv, message] of cases) {
    const io = capture({ PASSWORKS_API_KEY: API_KEY });
    t.equal(await runCli(argv, io), 2, argv.join(' '));
    t.equal(io.err(), message);
    t.notOk(io.err().includes(API_KEY) || io.err().includes(ADMIN_TOKEN));
  }
  t.same(sent, [], 'nothing sent');
});

t.test('a setting made only through the environment names its variable: the progress line follows CI', async (t) => {
  for (const flag of ['--no-progress', '--ci']) {
    const io = capture({ PASSWORKS_API_KEY: API_KEY });
    t.equal(await runCli(['run', '--url', 'http://127.0.0.1:9/webhooks/passworks', flag], io), 2, flag);
    t.equal(
      io.err(),
      `passworks-emitter run: unknown option ${flag}: this setting comes from the environment variable CI (it has no flag)\nRun "passworks-emitter run --help" for usage.\n`,
    );
  }
});

t.test('the bin exits 2 with the suggestion on stderr', async (t) => {
  const url = await listen(t, createNodeMiddleware({ apiKey: API_KEY }));
  const bin = await childBundle(join(import.meta.dirname, '../../src/bin.ts'));
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, 'conformance', '--url', url, '--api-ky', API_KEY],
      { cwd: join(import.meta.dirname, '../..'), timeout: 60_000 },
      (failure, _stdout, stderr) => resolve({ code: failure === null ? 0 : Number(failure.code), stderr }),
    );
  });
  t.equal(result.code, 2);
  t.match(result.stderr, /^passworks-emitter conformance: unknown option --api-ky \(did you mean --api-key\?\)\n/);
  t.notOk(result.stderr.includes(API_KEY));
});
