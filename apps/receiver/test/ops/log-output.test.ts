// Logs on a terminal (issue 24): readable lines, one per delivery, when
// stdout is a terminal; JSON lines when it is not or with LOG_FORMAT=json.
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { createLogOutput } from '../../src/ops/create-log-output.js';
import { endLog } from '../../src/ops/end-log.js';
import { readableMessage } from '../../src/ops/readable-message.js';
import { API_KEY, WEBHOOK_PATH } from '../helpers.js';
import { runCommand } from '../run-command.js';

const stripColour = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');
const plain = { green: (s: string) => s, yellow: (s: string) => s, red: (s: string) => s, gray: (s: string) => s };

/** POSTs one event as the platform does; resolves with the status. */
async function deliver(origin: string, body: unknown, key = API_KEY): Promise<number> {
  const res = await fetch(`${origin}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

const hasScript = ((): boolean => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** Outside CI a machine without util-linux `script` skips the terminal tests, saying how to run them; with CI=true they fail instead. */
const terminalSkip =
  hasScript || process.env.CI === 'true'
    ? false
    : 'terminal tests skipped: no `script` command (util-linux); install it (apt-get install util-linux) to run them (CI=true makes them required)';

t.test('a delivery reads as one line: event, pass, answer and ms; other lines as their message and key=value fields', async (t) => {
  const delivery = {
    level: 30,
    time: 0,
    msg: 'delivery accepted',
    req_id: 'r1',
    method: 'POST',
    path: WEBHOOK_PATH,
    status: 200,
    duration_ms: 3.14159,
    event: 'redeemed',
    outcome: 'processed',
    client: '127.0.0.1',
    pass_id: 'p-1',
  };
  t.equal(readableMessage(delivery, plain), `redeemed              pass p-1  200 processed  3.1 ms`);
  const refused = {
    level: 40,
    msg: 'delivery rejected',
    path: WEBHOOK_PATH,
    status: 401,
    duration_ms: 0.9,
    outcome: 'rejected',
    code: 'unauthorized',
    client: '203.0.113.9',
    body_bytes: 0,
  };
  t.equal(readableMessage(refused, plain), '-                     401 unauthorized  0.9 ms  from 203.0.113.9', 'a refused delivery names its code and client');
  t.equal(
    readableMessage({ level: 30, msg: 'stopped', service: 'passworks-receiver', url: 'http://127.0.0.1:3000', port: 3000, note: 'two words' }, plain),
    'stopped url=http://127.0.0.1:3000 port=3000 note="two words"',
  );
  const hostile = readableMessage({ ...delivery, event: 'x\u001b[2J\u009b31m\u202eevil', pass_id: 'p\r\n-2' }, plain);
  t.equal(
    hostile,
    String.raw`"x\u001b[2J\u009b31m\u202eevil"  pass "p\r\n-2"  200 processed  3.1 ms`,
    'the sender’s text reaches the terminal escaped, never as control characters',
  );
});

t.test('LOG_FORMAT=pretty writes readable lines without colour where stdout is not a terminal', async (t) => {
  const file = join(t.testdir(), 'log.txt');
  const output = createLogOutput({ format: 'pretty', isTerminal: false, fd: openSync(file, 'w') });
  t.equal(output.format, 'pretty');
  const logger = pino({ base: { service: 'passworks-receiver' } }, output.stream);
  logger.info({ path: WEBHOOK_PATH, status: 200, duration_ms: 12.25, event: 'installed', outcome: 'duplicate', pass_id: 'p-9' }, 'delivery accepted');
  logger.warn({ signal: 'SIGTERM' }, 'second signal: exiting now');
  await endLog(output.destination);
  const lines = readFileSync(file, 'utf8').split('\n');
  t.match(lines[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: installed {13}pass p-9  200 duplicate  12\.3 ms$/);
  t.match(lines[1], /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: second signal: exiting now signal=SIGTERM$/);
  t.notMatch(lines.join('\n'), '\u001b', 'no colour codes');
  t.equal(createLogOutput({ format: undefined, isTerminal: false, fd: openSync(file, 'w') }).format, 'json', 'unset and not a terminal: json');
  t.equal(createLogOutput({ format: undefined, isTerminal: true, fd: openSync(file, 'w') }).format, 'pretty', 'unset on a terminal: pretty');
  t.equal(createLogOutput({ format: 'json', isTerminal: true, fd: openSync(file, 'w') }).format, 'json', 'json wins on a terminal');
});

t.test('on a real terminal the command prints one readable line per delivery with its time, event, pass, answer and ms', { skip: terminalSkip }, async (t) => {
  const dir = t.testdir();
  const command = runCommand(t, { PASSWORKS_API_KEY: API_KEY, DATABASE_PATH: join(dir, 'passworks.db'), PORT: '0', HOST: '127.0.0.1' }, { tty: true });
  // The start-up line, readable: its fields as key=value (each coloured grey, so the number follows "port=" directly).
  const [, port] = await command.waitFor(/passworks-receiver listening: POST \/webhooks\/passworks .*port=(\d+)/);
  const origin = `http://127.0.0.1:${port!}`;
  const event = makePassEvent({ event: 'redeemed' });
  t.equal(await deliver(origin, event), 200);
  const [coloured] = await command.waitFor(new RegExp(`^.*pass ${event.pass_id}.*$`, 'm'));
  t.match(
    stripColour(coloured),
    new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: redeemed {14}pass ${event.pass_id}  200 processed  \\d+\\.\\d ms\\r?$`),
    'the line: time, level, event, pass, answer, ms',
  );
  t.match(coloured, '\u001b[32m200 processed', 'the answer in green on a terminal');
  t.equal(await deliver(origin, event, 'a-wrong-key'), 401);
  const [refused] = await command.waitFor(/^.*401 unauthorized.*$/m);
  t.match(stripColour(refused), /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: - {21}401 unauthorized {2}\d+\.\d ms {2}from 127\.0\.0\.1\r?$/);
  t.notMatch(command.stdout(), '{"level"', 'no JSON line on the terminal');
  t.notMatch(command.stdout(), API_KEY);
  await command.stop();
});

t.test('LOG_FORMAT=json gives JSON lines even on a terminal, with the pass of each accepted delivery', { skip: terminalSkip }, async (t) => {
  const dir = t.testdir();
  const command = runCommand(
    t,
    { PASSWORKS_API_KEY: API_KEY, DATABASE_PATH: join(dir, 'passworks.db'), PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' },
    { tty: true },
  );
  const [, port] = await command.waitFor(/"port":(\d+)/);
  const event = makePassEvent();
  t.equal(await deliver(`http://127.0.0.1:${port!}`, event), 200);
  await command.waitFor(/"msg":"delivery accepted"/);
  await command.stop();
  // On a terminal the line ends \r\n; the inspector line (stderr) shares the terminal.
  const lines = command
    .stdout()
    .split(/\r?\n/)
    .filter((line) => line.length > 0 && !line.startsWith('passworks-receiver: inspector at'));
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.ok(parsed.length >= 2, 'every line is JSON');
  t.match(
    parsed.find((line) => line.msg === 'delivery accepted'),
    {
      level: 30,
      service: 'passworks-receiver',
      path: WEBHOOK_PATH,
      status: 200,
      event: 'installed',
      outcome: 'processed',
      pass_id: event.pass_id,
      duration_ms: Number,
    },
  );
});

t.test('piped (not a terminal), the command logs JSON lines with each accepted delivery’s pass', async (t) => {
  const dir = t.testdir();
  const command = runCommand(t, { PASSWORKS_API_KEY: API_KEY, DATABASE_PATH: join(dir, 'passworks.db'), PORT: '0', HOST: '127.0.0.1' });
  const [, port] = await command.waitFor(/"port":(\d+)/);
  const event = makePassEvent();
  t.equal(await deliver(`http://127.0.0.1:${port!}`, event), 200);
  await command.waitFor(/"msg":"delivery accepted"/);
  t.equal(await command.stop(), 0);
  const parsed = command
    .stdout()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.match(
    parsed.find((line) => line.msg === 'delivery accepted'),
    { status: 200, event: 'installed', pass_id: event.pass_id },
  );
  t.equal(parsed.at(-1)?.msg, 'stopped');
});

t.test('lines are written in blocks, yet a lone line reaches the file without waiting for more, and endLog writes what is left', async (t) => {
  const path = join(t.testdir(), 'out.log');
  const output = createLogOutput({ format: 'json', isTerminal: false, fd: openSync(path, 'w') });
  const logger = pino({ level: 'info' }, output.stream);
  logger.info('alone');
  // Far below the 4 KiB block: only the periodic flush writes it.
  for (let waited = 0; !readFileSync(path, 'utf8').includes('"alone"') && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  t.match(readFileSync(path, 'utf8'), /"msg":"alone"/, 'the lone line was written while the process went on');
  for (let i = 0; i < 50; i += 1) logger.info({ i }, 'burst');
  await endLog(output.destination);
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  t.equal(lines.length, 51, 'every line of the burst, once');
  t.same(
    lines.slice(1).map((line) => (JSON.parse(line) as { i: number }).i),
    Array.from({ length: 50 }, (_, i) => i),
    'in order',
  );
});
