import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { main } from '@passworks-webhooks/receiver';
import { childBundle } from '../../../../scripts/child-bundle.mjs';

const SECRET = 'pk_live_typed-on-the-command-line';

/** Runs `main` with captured output; the exit codes it asked for. */
async function run(argv: readonly string[]): Promise<{ stdout: string; stderr: string; codes: number[] }> {
  const result = { stdout: '', stderr: '', codes: [] as number[] };
  await main(
    argv,
    { PASSWORKS_API_KEY: 'k' },
    { stdout: (s) => void (result.stdout += s), stderr: (s) => void (result.stderr += s), exit: (code) => void result.codes.push(code) },
  );
  return result;
}

t.test('--api-key: the key comes from PASSWORKS_API_KEY; exit 2, on stderr, the value never echoed', async (t) => {
  for (const argv of [['--api-key', SECRET], [`--api-key=${SECRET}`], ['--apikey', SECRET]]) {
    const { stdout, stderr, codes } = await run(argv);
    t.same(codes, [2], argv.join(' '));
    t.equal(stdout, '');
    t.match(
      stderr,
      /^passworks-receiver: invalid configuration: unknown option --api-?key: this setting comes from the environment variable PASSWORKS_API_KEY \(it has no flag\) \(see --help\)\n$/,
    );
    t.notOk(stderr.includes(SECRET), 'the value is not printed');
  }
  const admin = await run(['--admin-token', SECRET]);
  t.match(admin.stderr, /unknown option --admin-token: this setting comes from the environment variable ADMIN_TOKEN/);
  const forward = await run(['--forward-api-key', SECRET]);
  t.match(forward.stderr, /unknown option --forward-api-key: this setting comes from the environment variable FORWARD_API_KEY/);
});

t.test('a near miss names the nearest flag; nothing near names the option alone', async (t) => {
  const typo = await run(['--prot', '8080']);
  t.same(typo.codes, [2]);
  t.equal(typo.stderr, 'passworks-receiver: invalid configuration: unknown option --prot (did you mean --port?) (see --help)\n');
  const swapped = await run(['--databse-url', 'postgres://x']);
  t.match(swapped.stderr, /unknown option --databse-url \(did you mean --database-url\?\)/);
  const far = await run(['--colour', 'red']);
  t.equal(far.stderr, 'passworks-receiver: invalid configuration: unknown option --colour (see --help)\n');
});

t.test('the bin exits 2 with the hint on stderr', async (t) => {
  const bin = await childBundle(join(import.meta.dirname, '..', '..', 'src', 'bin.ts'));
  const error = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, '--api-key', SECRET],
      { cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, PASSWORKS_API_KEY: 'k' }, timeout: 60_000 },
      (failure, _stdout, stderr) => resolve({ code: failure?.code === undefined ? 0 : Number(failure.code), stderr }),
    );
  });
  t.equal(error.code, 2);
  t.match(error.stderr, /unknown option --api-key: this setting comes from the environment variable PASSWORKS_API_KEY/);
  t.notOk(error.stderr.includes(SECRET));
});
