/**
 * Forwarding end to end with real processes: the emitter (`run`, duplicates
 * and reordering) sends to a receiver process forwarding to the user's app,
 * a process running Express with `passworksWebhooks()` on a SQLite store.
 * The app first answers 503 for 3 s, then recovers; the receiver is then
 * SIGKILLed while forwards are in flight and restarted on its database.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import Database from 'better-sqlite3';
import { API_KEY } from '../helpers.js';
import { spawnFixture, spawnReceiver } from '../processes.js';
import { childBundle } from '../../../../scripts/child-bundle.mjs';

const EMITTER_BIN = await childBundle(join(import.meta.dirname, '../../../emitter/src/bin.ts'));
const APP_KEY = 'pk_live_the-apps-own-key-9921';

interface HandlerLine {
  kind: 'start' | 'done';
  key: string;
  pass_id: string;
  event_at: string;
}
interface AnswerLine {
  kind: 'answer';
  id: string;
  status: number;
}
type SinkLine = HandlerLine | AnswerLine;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `done` holds. */
async function until(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

t.test('the app runs its handler once per event, each pass in event_at order, through 503s for 3 s and a SIGKILL mid-forward', async (t) => {
  const dir = t.testdir();
  const databasePath = join(dir, 'receiver.db');
  const sinkLog = join(dir, 'sink.ndjson');
  const lines = (): SinkLine[] =>
    existsSync(sinkLog)
      ? readFileSync(sinkLog, 'utf8')
          .trimEnd()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as SinkLine)
      : [];
  const started = (): HandlerLine[] => lines().filter((line): line is HandlerLine => line.kind === 'start');

  const sink = await spawnFixture(t, 'run-sink.ts', [join(dir, 'app-store.db'), sinkLog], { SINK_KEY: APP_KEY, SINK_DELAY_MS: '80' });
  sink.child.send({ down: true });
  const env = {
    FORWARD_URL: `http://127.0.0.1:${sink.port}/webhooks/passworks`,
    FORWARD_API_KEY: APP_KEY,
    FORWARD_CONCURRENCY: '8',
    FORWARD_TIMEOUT_MS: '1000', // a lease of 7 s: the killed process's claims come back within the test
    FORWARD_BACKOFF_BASE_MS: '50',
    FORWARD_BACKOFF_MAX_MS: '500',
    FORWARD_MAX_ATTEMPTS: '1000',
  };
  const first = await spawnReceiver(t, databasePath, env);
  const downSince = Date.now();

  // The platform: the emitter's own process, with duplicates and reordering.
  const report = join(dir, 'run.json');
  await promisify(execFile)(
    process.execPath,
    [
      EMITTER_BIN,
      'run',
      '--url',
      first.url,
      '--seed',
      '12',
      '--passes',
      '40',
      '--duplicates',
      '0.2',
      '--reorder',
      '0.2',
      '--concurrency',
      '8',
      '--report',
      report,
    ],
    { env: { ...process.env, PASSWORKS_API_KEY: API_KEY, CI: 'true' }, timeout: 60_000 },
  );
  const deliveries = (JSON.parse(readFileSync(report, 'utf8')) as { deliveries: Array<{ kind: string; pass_id: string; event: string; event_at: string }> })
    .deliveries;
  t.ok(
    deliveries.some((d) => d.kind === 'duplicate'),
    'the run sent duplicates',
  );
  const expected = new Map(deliveries.map((d) => [`${d.pass_id}|${d.event}|${d.event_at}`, d]));
  t.ok(expected.size >= 200, `${expected.size} distinct events sent`);

  // The app has refused every attempt so far; it recovers after 3 s, once everything is stored (so each pass goes in order).
  await sleep(Math.max(0, downSince + 3_000 - Date.now()));
  const refused = lines().filter((line) => line.kind === 'answer' && line.status === 503).length;
  t.ok(refused >= 8, `the app answered 503 ${refused} times while down`);
  t.equal(started().length, 0, 'no handler ran while down');
  sink.child.send({ down: false });

  // Kill the receiver while forwards are in flight (the app takes 80 ms per event, 8 at once).
  await until(() => started().length >= expected.size / 4, 'a quarter of the events handled');
  first.child.kill('SIGKILL');
  const atKill = lines();
  const inFlight = atKill.filter((line) => line.kind === 'start').length - atKill.filter((line) => line.kind === 'done').length;
  t.ok(inFlight > 0, `${inFlight} handler runs were in flight at the kill`);
  await new Promise((resolve) => (first.child.exitCode === null && first.child.signalCode === null ? first.child.once('exit', resolve) : resolve(undefined)));
  t.ok(started().length < expected.size, 'killed mid-forward');

  await spawnReceiver(t, databasePath, env);
  const db = new Database(databasePath, { readonly: true });
  t.teardown(() => db.close());
  const pendingCount = db.prepare<[], number>(`SELECT count(*) FROM outbox WHERE state <> 'delivered'`).pluck();
  await until(() => pendingCount.get() === 0, 'the outbox delivered after the restart');

  const calls = new Map<string, number>();
  for (const line of started()) calls.set(line.key, (calls.get(line.key) ?? 0) + 1);
  t.same(
    [...calls.entries()].filter(([, n]) => n !== 1),
    [],
    "the app's handler ran exactly once per event",
  );
  t.same([...calls.keys()].sort(), [...expected.keys()].sort(), 'every event sent reached the handler: nothing lost');
  t.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), expected.size);
  const byPass = new Map<string, number[]>();
  for (const line of started()) byPass.set(line.pass_id, [...(byPass.get(line.pass_id) ?? []), Date.parse(line.event_at)]);
  t.same(
    [...byPass].filter(([, times]) => times.some((at, i) => i > 0 && at < (times[i - 1] as number))),
    [],
    "each pass's events reached the handler in event_at order",
  );

  // The ones cut off by the kill were sent again with their id, and the app's middleware answered them as duplicates.
  const answers = lines().filter((line): line is AnswerLine => line.kind === 'answer');
  const okPerId = new Map<string, number>();
  for (const answer of answers) if (answer.status === 200) okPerId.set(answer.id, (okPerId.get(answer.id) ?? 0) + 1);
  // Whether some id shows two 200s depends on timing (an answer the app finished before the kill but the receiver had
  // not recorded yet), so it is only reported. That the events in flight at the kill were sent again is shown above:
  // their first connection died with the receiver, yet the outbox ended delivered, each with a recorded 200, and their
  // handlers ran once.
  t.comment(`${[...okPerId.values()].filter((n) => n > 1).length} events answered 200 twice (sent again after the kill, a duplicate for the app)`);
  const attempts = db
    .prepare<[], { event_id: number; statuses: string }>(`SELECT event_id, group_concat(status) AS statuses FROM delivery_attempts GROUP BY event_id`)
    .all();
  t.ok(attempts.filter((row) => row.statuses.startsWith('503')).length >= 8, 'the 503 attempts are recorded');
  t.ok(
    attempts.every((row) => row.statuses.split(',').includes('200')),
    'every event has a recorded 200',
  );
});
