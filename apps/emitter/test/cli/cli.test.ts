import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { childBundle } from '../../../../scripts/child-bundle.mjs';
import { runCli } from '../../src/cli/index.js';
import { validatePassEvent } from '@passworks-webhooks/core';
import { capture } from '../helpers/capture.js';
import { listen } from '../helpers/listen.js';

const API_KEY = 'pk_cli_secret_key';

t.test('prints help with examples for each command', async (t) => {
  for (const command of ['run', 'generate', 'replay', 'trigger', 'conformance', 'verify']) {
    const io = capture();
    t.equal(await runCli([command, '--help'], io), 0);
    t.match(io.out(), new RegExp(`^Usage: passworks-emitter ${command}`));
    t.match(io.out(), /Examples?:\n {2}passworks-emitter /);
  }
  const io = capture();
  t.equal(await runCli(['--help'], io), 0);
  t.match(io.out(), /Commands:\n {2}run/);
});

t.test('exits 2 on an unknown command or a bad flag, naming it', async (t) => {
  const unknown = capture();
  t.equal(await runCli(['launch'], unknown), 2);
  t.match(unknown.err(), /unknown command "launch"/);
  const bad = capture();
  t.equal(await runCli(['run', '--url', 'http://127.0.0.1:9', '--api-key', 'k', '--duplicates', '2'], bad), 2);
  t.match(bad.err(), /--duplicates: expected a number between 0 and 1, got "2"/);
  const missing = capture();
  t.equal(await runCli(['run', '--url', 'http://127.0.0.1:9'], missing), 2);
  t.match(missing.err(), /--api-key is required \(or set PASSWORKS_API_KEY\)/);
  const scenario = capture();
  t.equal(await runCli(['generate', '--scenario', 'nope'], scenario), 2);
  t.match(scenario.err(), /--scenario: expected mixed or one of/);
});

t.test('a stray positional argument (a key without its flag name) is a usage error that never echoes it', async (t) => {
  const io = capture();
  t.equal(await runCli(['conformance', '--url', 'http://127.0.0.1:9', API_KEY], io), 2);
  t.match(io.err(), /unexpected argument without a flag name/);
  t.equal(io.err().includes(API_KEY), false);
});

t.test('generate prints the same valid NDJSON for the same seed', async (t) => {
  const a = capture();
  const b = capture();
  const c = capture();
  t.equal(await runCli(['generate', '--seed', '42', '--passes', '20'], a), 0);
  await runCli(['generate', '--seed', '42', '--passes', '20'], b);
  await runCli(['generate', '--seed', '43', '--passes', '20'], c);
  t.equal(a.out(), b.out());
  t.not(a.out(), c.out());
  const lines = a.out().trimEnd().split('\n');
  t.ok(lines.length > 20);
  t.ok(lines.every((line) => validatePassEvent(JSON.parse(line)).ok));
  const json = capture();
  await runCli(['generate', '--seed', '42', '--passes', '20', '--json'], json);
  const document = JSON.parse(json.out()) as { events: unknown[]; truth: unknown[] };
  t.equal(document.events.length, lines.length);
  t.equal(document.truth.length, 20);
});

t.test('conformance exits 0 against core and 1 against a broken endpoint', async (t) => {
  const good = await listen(t, createNodeMiddleware({ apiKey: API_KEY }));
  const broken = await listen(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  const ok = capture();
  t.equal(await runCli(['conformance', '--url', `${good}/webhooks/passworks`, '--api-key', API_KEY], ok), 0);
  t.match(ok.out(), /11\/11 passed/);
  const bad = capture({ PASSWORKS_API_KEY: API_KEY });
  t.equal(await runCli(['conformance', '--url', broken, '--json'], bad), 1);
  t.match(JSON.parse(bad.out()), { pass: false, passed: 4, failed: 7 }, 'a bare 204 passes the four 2xx cases');
  t.equal(ok.out().includes(API_KEY) || bad.out().includes(API_KEY), false, 'the key is never printed');
});

t.test('run exits 0 against core with faults and writes a report without the key', async (t) => {
  const url = await listen(t, createNodeMiddleware({ apiKey: API_KEY }));
  const dir = t.testdir();
  const reportFile = join(dir, 'run.json');
  const io = capture();
  const code = await runCli(
    [
      'run',
      '--url',
      `${url}/webhooks/passworks`,
      '--api-key',
      API_KEY,
      '--passes',
      '80',
      '--duplicates',
      '0.1',
      '--reorder',
      '0.1',
      '--invalid',
      '0.05',
      '--bad-auth',
      '0.05',
      '--spellings',
      '0.1',
      '--time-scale',
      '0.001',
      '--report',
      reportFile,
    ],
    io,
  );
  t.equal(code, 0, io.out());
  t.match(io.out(), /failed 0 · invalid accepted 0/);
  t.match(io.out(), /\nOK\n$/);
  const text = await readFile(reportFile, 'utf8');
  t.equal(text.includes(API_KEY), false, 'the key is not in the report');
  const report = JSON.parse(text) as { ok: boolean; truth: unknown[]; deliveries: unknown[]; settings: { faults: { duplicates: number } } };
  t.equal(report.ok, true);
  t.equal(report.truth.length, 80);
  t.equal(report.settings.faults.duplicates, 0.1);
});

t.test('run exits 1 when an endpoint accepts faulty deliveries or rejects valid ones', async (t) => {
  const acceptsAll = await listen(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  const io = capture();
  t.equal(await runCli(['run', '--url', acceptsAll, '--api-key', API_KEY, '--passes', '10', '--bad-auth', '0.5', '--json'], io), 1);
  const summary = JSON.parse(io.out()) as { ok: boolean; summary: { invalid_accepted: number; failed: number } };
  t.equal(summary.ok, false);
  t.ok(summary.summary.invalid_accepted > 0);
  t.equal(summary.summary.failed, 0);
  const rejectsAll = await listen(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(422).end());
  });
  const io2 = capture();
  t.equal(await runCli(['run', '--url', rejectsAll, '--api-key', API_KEY, '--passes', '2', '--max-retries', '1', '--backoff-ms', '1'], io2), 1);
  t.match(io2.out(), /FAIL: \d+ valid deliveries not accepted, 0 faulty deliveries accepted/);
});

t.test('the bin runs as a process and prints help', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [await childBundle(join(import.meta.dirname, '../../src/bin.ts')), 'generate', '--help'], {
    cwd: join(import.meta.dirname, '../..'),
  });
  t.match(stdout, /^Usage: passworks-emitter generate/);
});
