/**
 * End to end: the reference receiver as a real process, `run` with 500
 * passes and 10% duplicates, 10% reordering, 2% invalid, 1% bad auth, then
 * `verify` with zero differences and `conformance` all green against it.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childBundle } from '../../../scripts/child-bundle.mjs';
import { runCli, type CliIo } from '../src/cli/index.js';

const RECEIVER_BIN = await childBundle(join(import.meta.dirname, '../../receiver/src/bin.ts'));
const API_KEY = 'pk_e2e_emitter_receiver_key';
const ADMIN_TOKEN = 'admin-token-e2e-0123456789';

function capture(): CliIo & { out: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => ((out += text), true) },
    stderr: { isTTY: false, write: (text: string) => ((err += text), true) },
    env: {},
    out: () => `${out}${err}`,
  };
}

/** Starts the receiver on a free port and resolves with its base URL once it logs that it listens. */
async function startReceiver(t: { teardown(fn: () => unknown): void }, databasePath: string): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [RECEIVER_BIN], {
    env: { ...process.env, PASSWORKS_API_KEY: API_KEY, ADMIN_TOKEN, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the receiver did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the receiver exited with ${String(code)}`)));
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url !== undefined && entry.msg?.startsWith('passworks-receiver listening') === true) {
          clearTimeout(timer);
          resolve(entry.url.replace(/\/$/, ''));
        }
      } catch {
        // Not a log line.
      }
    });
  });
}

t.test('run, verify and conformance against the reference receiver process', { timeout: 180_000 }, async (t) => {
  const dir = t.testdir();
  const base = await startReceiver(t, join(dir, 'receiver.db'));
  const reportFile = join(dir, 'run.json');
  const run = capture();
  const runCode = await runCli(
    [
      'run',
      '--url',
      `${base}/webhooks/passworks`,
      '--api-key',
      API_KEY,
      '--seed',
      '2026',
      '--passes',
      '500',
      '--duplicates',
      '0.1',
      '--reorder',
      '0.1',
      '--invalid',
      '0.02',
      '--bad-auth',
      '0.01',
      '--spellings',
      '0.05',
      '--time-scale',
      '0.05',
      '--report',
      reportFile,
      '--json',
    ],
    run,
  );
  const result = JSON.parse(run.out()) as { ok: boolean; summary: { failed: number; invalid_accepted: number; by_kind: Record<string, number> } };
  t.equal(runCode, 0, 'run exits 0');
  t.match(result, { ok: true, summary: { failed: 0, invalid_accepted: 0 } });
  t.ok((result.summary.by_kind['duplicate'] ?? 0) > 0 && (result.summary.by_kind['wrong_key'] ?? 0) + (result.summary.by_kind['missing_key'] ?? 0) > 0);
  t.equal((await readFile(reportFile, 'utf8')).includes(API_KEY), false, 'the key is not in the report');

  const verify = capture();
  const verifyCode = await runCli(['verify', '--report', reportFile, '--receiver', base, '--admin-token', ADMIN_TOKEN, '--json'], verify);
  const differences = (JSON.parse(verify.out()) as { differences: unknown[] }).differences;
  t.same(differences.slice(0, 20), [], 'no difference between the receiver and the ground truth');
  t.equal(verifyCode, 0, 'verify exits 0');

  const conformance = capture();
  const conformanceCode = await runCli(['conformance', '--url', `${base}/webhooks/passworks`, '--api-key', API_KEY], conformance);
  t.equal(conformanceCode, 0, 'conformance exits 0');
  t.match(conformance.out(), /11\/11 passed/);
});
