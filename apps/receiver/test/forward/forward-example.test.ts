/**
 * The README's "Put the receiver in front of your app" stays true: its app is
 * examples/forward-to-your-app/app.ts, and that app, the receiver command and
 * the emitter's trigger, run as the README says, get each event to the app's
 * handlers once.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { childBundle } from '../../../../scripts/child-bundle.mjs';

const EXAMPLE = join(import.meta.dirname, '../../examples/forward-to-your-app/app.ts');
/** The commands, bundled from source (`npx passworks-receiver` runs them built). */
const RECEIVER_BIN = await childBundle(join(import.meta.dirname, '../../src/bin.ts'));
const EMITTER_BIN = await childBundle(join(import.meta.dirname, '../../../emitter/src/bin.ts'));
/** The app runs through tsx, as the README runs it. */
const TSX_ARGS = ['--conditions=@passworks-webhooks/source', `--import=${import.meta.resolve('tsx')}`];

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts node with `args` and resolves with its stdout lines so far (growing) once one matches `ready`. */
async function start(
  t: Test,
  name: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  ready: RegExp,
): Promise<{ child: ChildProcess; lines: string[]; readyLine: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
  return { child, lines, readyLine };
}

t.test("the README's app is the example file", async (t) => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Put the receiver in front of your app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.equal(block, readFileSync(EXAMPLE, 'utf8'));
});

t.test('the two processes of the README: each event reaches the app once, a re-sent pass is answered as duplicates', async (t) => {
  const dir = t.testdir();
  const appPort = await freePort();
  const app = await start(t, 'the app', [...TSX_ARGS, EXAMPLE], { PASSWORKS_API_KEY: 'app-key', PORT: String(appPort) }, dir, /^your app on /);
  const receiver = await start(
    t,
    'the receiver',
    [RECEIVER_BIN, '--port', '0', '--host', '127.0.0.1', '--forward-url', `http://127.0.0.1:${appPort}/webhooks/passworks`],
    { PASSWORKS_API_KEY: 'platform-key', FORWARD_API_KEY: 'app-key', DATABASE_PATH: join(dir, 'passworks.db'), LOG_LEVEL: 'info' },
    dir,
    /passworks-receiver listening/,
  );
  const url = `${(JSON.parse(receiver.readyLine) as { url: string }).url}/webhooks/passworks`;
  // The platform sending the same pass twice: the same seed at the same instant (trigger dates events now unless --at says when).
  const at = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const trigger = async (): Promise<{ pass_id: string; sent: Array<{ event: string; status: number; duplicate: boolean }> }> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [EMITTER_BIN, 'trigger', 'redeemed', '--url', url, '--api-key', 'platform-key', '--seed', '5', '--at', at, '--json'],
      { timeout: 60_000 },
    );
    return JSON.parse(stdout) as { pass_id: string; sent: Array<{ event: string; status: number; duplicate: boolean }> };
  };
  const first = await trigger();
  t.ok(
    first.sent.every((line) => line.status === 200 && !line.duplicate),
    'the receiver took each event',
  );
  const handled = () => app.lines.filter((line) => /^(installed|redeemed) /.test(line));
  const expected = first.sent.filter((line) => line.event === 'installed' || line.event === 'redeemed').length;
  const deadline = Date.now() + 30_000;
  while (handled().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(handled().filter((line) => line.startsWith(`redeemed ${first.pass_id} at `)).length, 1, "the app's redeemed handler ran once");
  t.equal(handled().length, expected, 'and each installed once');

  // The platform sends the pass again: the receiver answers duplicates and forwards nothing new.
  const again = await trigger();
  t.ok(
    again.sent.every((line) => line.duplicate),
    'duplicates at the receiver',
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(handled().length, expected, 'no handler ran again');
});
