import t from 'tap';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from '@passworks-webhooks/receiver';
import { runCli } from '../../src/cli/index.js';
import { simulate, toNdjson } from '../../src/simulator/simulate.js';
import { capture as captureIo } from '../helpers/capture.js';
import { bodyOf, listen } from '../helpers/listen.js';

const API_KEY = 'pk_replay_secret_key_5521';
const ADMIN_TOKEN = 'admin-token-replay-0123456789';

/** The CLI's io with the key in the environment (never on the command line). */
const capture = (env: Record<string, string> = { PASSWORKS_API_KEY: API_KEY }) => captureIo(env);

/** An endpoint recording every request (body, key) and answering `answer(n)` for the n-th (from 0), 200 by default. */
async function recorder(t: { teardown(fn: () => unknown): void }, answer: (n: number) => number = () => 200) {
  const got: Array<{ body: string; authorization: string | undefined }> = [];
  const url = await listen(t, async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await bodyOf(req);
    const status = answer(got.length);
    got.push({ body, authorization: req.headers.authorization });
    res
      .writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' })
      .end(status === 200 ? '{"received":true,"duplicate":false}' : '{"error":{"code":"store_unavailable","message":"down"}}');
  });
  return { url: `${url}/webhooks/passworks`, got };
}

t.test('replay sends every line of generate output byte for byte, retrying a refused one, with the key from the env', async (t) => {
  const file = join(t.testdir(), 'events.ndjson');
  const generated = capture();
  t.equal(await runCli(['generate', '--seed', '5', '--passes', '4'], generated), 0);
  await writeFile(file, generated.out());
  const lines = generated.out().trimEnd().split('\n');
  // The first attempt is refused: the delivery engine retries it.
  const sink = await recorder(t, (n) => (n === 0 ? 503 : 200));
  const io = capture();
  t.equal(await runCli(['replay', '--from', file, '--url', sink.url, '--concurrency', '1', '--time-scale', '0'], io), 0, io.err());
  t.equal(sink.got[0]?.body, lines[0], 'the first line first');
  t.same(
    sink.got
      .slice(1)
      .map((request) => request.body)
      .sort(),
    [...lines].sort(),
    'then each line once (the refused one retried after its backoff)',
  );
  t.ok(sink.got.every((request) => request.authorization === API_KEY));
  t.match(
    io.out(),
    new RegExp(`^passworks-emitter replay: ${lines.length} events from .*events\\.ndjson -> http://127\\.0\\.0\\.1:\\d+/webhooks/passworks\\n`),
  );
  t.match(io.out(), new RegExp(`sent ${lines.length} · accepted ${lines.length} · .* retried 1 · failed 0`));
  t.notOk(`${io.out()}${io.err()}`.includes(API_KEY), 'the key is never printed');
});

t.test("replay sends the receiver's export: the same events, which the receiver answers as duplicates", async (t) => {
  const app = createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, databasePath: join(t.testdir(), 'receiver.db') });
  t.teardown(() => app.close());
  const base = await listen(t, app.listener);
  const { events } = simulate({ seed: 9, passes: 3 });
  const generated = join(t.testdir(), 'generated.ndjson');
  await writeFile(generated, toNdjson(events));
  t.equal(await runCli(['replay', '--from', generated, '--url', `${base}/webhooks/passworks`, '--concurrency', '1'], capture()), 0);

  const exported = await (await fetch(`${base}/api/export/events.ndjson`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  t.equal(exported.trimEnd().split('\n').length, events.length);
  const file = join(t.testdir(), 'export.ndjson');
  await writeFile(file, exported);
  const sink = await recorder(t);
  t.equal(await runCli(['replay', '--from', file, '--url', sink.url, '--concurrency', '1'], capture()), 0);
  t.same(
    sink.got.map((request) => JSON.parse(request.body) as unknown),
    events,
    'the stored events, in arrival order',
  );

  const again = capture();
  t.equal(await runCli(['replay', '--from', file, '--url', `${base}/webhooks/passworks`, '--json'], again), 0);
  t.match(JSON.parse(again.out()), { ok: true, events: events.length, summary: { sent: events.length, duplicates: events.length, failed: 0 } });
});

t.test('replay exits 2 with one line naming the problem: a missing file, a line not JSON, a line not an event; nothing is sent', async (t) => {
  const sink = await recorder(t);
  const dir = t.testdir();
  const [event] = simulate({ seed: 3, passes: 1 }).events;
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['missing.ndjson', undefined, /^passworks-emitter replay: cannot read ".*missing\.ndjson" \(ENOENT\)\n$/],
    ['not-json.ndjson', `${JSON.stringify(event)}\n\n{"pass_id":\n`, /^passworks-emitter replay: line 3: not JSON\n$/],
    ['not-event.ndjson', `${JSON.stringify(event)}\n{"payload":{"event":"redeemed"}}\n`, /^passworks-emitter replay: line 2: not a Passworks event \(.+\)\n$/],
  ];
  for (const [name, content, message] of cases) {
    const file = join(dir, name);
    if (content !== undefined) await writeFile(file, content);
    const io = capture();
    t.equal(await runCli(['replay', '--from', file, '--url', sink.url], io), 2, name);
    t.match(io.err(), message, name);
  }
  const noFrom = capture();
  t.equal(await runCli(['replay', '--url', sink.url], noFrom), 2);
  t.match(noFrom.err(), /--from is required/);
  t.equal(sink.got.length, 0, 'nothing sent');
});

t.test('trigger redeemed sends a new pass up to its first redemption, in event_at order, each once', async (t) => {
  const sink = await recorder(t);
  const io = capture();
  t.equal(await runCli(['trigger', 'redeemed', '--url', sink.url, '--seed', '21'], io), 0, io.err());
  const sent = sink.got.map((request) => JSON.parse(request.body) as { event: string; pass_id: string; event_at: string });
  t.equal(sent.at(-1)?.event, 'redeemed');
  t.equal(sent[0]?.event, 'created');
  t.ok(
    sent.some((event) => event.event === 'installed' || event.event === 'downloaded'),
    'the pass was taken to a wallet before',
  );
  t.equal(sent.filter((event) => event.event === 'redeemed').length, 1);
  t.equal(new Set(sent.map((event) => event.pass_id)).size, 1, 'one pass');
  t.same(
    sent.map((event) => Date.parse(event.event_at)),
    sent.map((event) => Date.parse(event.event_at)).sort((a, b) => a - b),
  );
  t.ok(sink.got.every((request) => request.authorization === API_KEY));
  t.match(io.out(), new RegExp(`^passworks-emitter trigger redeemed: pass ${sent[0]?.pass_id} \\(seed 21, mixed\\)`));
  t.equal(io.out().trimEnd().split('\n').length, sent.length + 2, 'a line per event sent');
  t.notOk(io.out().includes(API_KEY));

  // Without --seed each trigger is a new pass.
  const before = sink.got.length;
  t.equal(await runCli(['trigger', 'created', '--url', sink.url], capture()), 0);
  t.equal(await runCli(['trigger', 'created', '--url', sink.url], capture()), 0);
  const created = sink.got.slice(before).map((request) => JSON.parse(request.body) as { event: string; pass_id: string });
  t.same(
    created.map((event) => event.event),
    ['created', 'created'],
  );
  t.not(created[0]?.pass_id, created[1]?.pass_id);
});

t.test('trigger stops at the first event not accepted (exit 1) and refuses bad input with exit 2', async (t) => {
  const sink = await recorder(t, (n) => (n === 0 ? 200 : 422));
  const io = capture();
  t.equal(await runCli(['trigger', 'fetched', '--url', sink.url, '--seed', '4', '--max-retries', '0', '--json'], io), 1);
  const report = JSON.parse(io.out()) as { ok: boolean; sent: Array<{ event: string; status: number }> };
  t.equal(report.ok, false);
  t.same(
    report.sent.map((line) => line.status),
    [200, 422],
  );
  t.equal(sink.got.length, 2, 'nothing sent after the refusal');

  for (const [args, message] of [
    [['trigger'], /expected the event to trigger first, one of: created, downloaded/],
    [['trigger', '--url', sink.url], /expected the event to trigger first/],
    [['trigger', 'exploded', '--url', sink.url], /unknown event "exploded"/],
    [['trigger', 'downloaded', '--url', sink.url, '--scenario', 'google-pay-offer'], /no simulated google-pay-offer pass has a downloaded event/],
    [['trigger', 'created', '--url', 'not a url'], /--url: expected an http\(s\) URL/],
  ] as const) {
    const bad = capture();
    t.equal(await runCli([...args], bad), 2, args.join(' '));
    t.match(bad.err(), message);
  }
  const noKey = capture({});
  t.equal(await runCli(['trigger', 'created', '--url', sink.url], noKey), 2);
  t.match(noKey.err(), /--api-key is required \(or set PASSWORKS_API_KEY\)/);
  t.equal(sink.got.length, 2, 'nothing more sent');
});

t.test('trigger dates the event now by default, --at chooses the instant, a bad --at is refused', async (t) => {
  const sink = await recorder(t);
  const sentSince = (from: number) =>
    sink.got.slice(from).map((request) => JSON.parse(request.body) as { event: string; pass_id: string; event_at: string; created_at: string });
  const beforeMs = Math.floor(Date.now() / 1000) * 1000;
  t.equal(await runCli(['trigger', 'redeemed', '--url', sink.url, '--seed', '21'], capture()), 0);
  const afterMs = Date.now();
  const now = sentSince(0);
  const redeemedAt = Date.parse(now.at(-1)?.event_at ?? '');
  t.equal(now.at(-1)?.event, 'redeemed');
  t.ok(
    redeemedAt >= beforeMs && redeemedAt <= afterMs,
    `dated now: ${now.at(-1)?.event_at} within [${new Date(beforeMs).toISOString()}, ${new Date(afterMs).toISOString()}]`,
  );
  t.ok(
    now.every((event) => Date.parse(event.event_at) <= redeemedAt && Date.parse(event.created_at) <= redeemedAt),
    'its history before it',
  );

  const io = capture();
  t.equal(await runCli(['trigger', 'redeemed', '--url', sink.url, '--seed', '21', '--at', '2026-05-01T14:34:56+02:00'], io), 0);
  const at = sentSince(now.length);
  t.equal(at.at(-1)?.event_at, '2026-05-01T12:34:56Z', 'the instant --at names');
  t.match(io.out(), /\n {2}redeemed {4}2026-05-01T12:34:56Z {2}200\nOK\n$/);
  t.same(
    at.map((event) => event.pass_id),
    now.map((event) => event.pass_id),
    'the same pass for the same seed',
  );
  const gaps = (events: typeof now) => events.map((event) => Date.parse(event.event_at) - Date.parse(events.at(-1)?.event_at ?? ''));
  t.same(gaps(at), gaps(now), 'the events before it keep their spacing');

  const sentBefore = sink.got.length;
  for (const [args, message] of [
    [['--at', 'yesterday'], /^passworks-emitter trigger: --at: expected an ISO 8601 instant such as 2026-03-02T09:00:00Z, got "yesterday"\n/],
    [['--at', '2026-02-30T09:00:00Z'], /--at: expected an ISO 8601 instant .*, got "2026-02-30T09:00:00Z"/],
    [['--start', '2026-03-02T09:00:00Z'], /--start is no longer a trigger flag: --at ISO dates the triggered event \(default: now\)/],
  ] as const) {
    const bad = capture();
    t.equal(await runCli(['trigger', 'created', '--url', sink.url, ...args], bad), 2, args.join(' '));
    t.match(bad.err(), message);
  }
  t.equal(sink.got.length, sentBefore, 'nothing sent');
});
