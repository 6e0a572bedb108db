/**
 * `listen` in this process (runCli with an abort signal for Ctrl-C), between
 * an in-process receiver and a local app: the relay's modules as the child
 * process tests run them, measured by coverage. One POST in flight at a time,
 * other passes flowing past a failing one, Retry-After, resuming from a state
 * file, a refused --forward-to, filters and the argument errors.
 */
import t, { type Test as Tap } from 'tap';
import http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../src/cli/index.js';
import { capture } from '../helpers/capture.js';
import { listen as serve } from '../helpers/listen.js';
import {
  ADMIN_TOKEN,
  eventBodies,
  filterCase,
  inPassOrder,
  LOCAL_KEY,
  localApp,
  rawOf,
  receiverHolding,
  receiverOn,
  send,
  storedIds,
  type Arrival,
} from './listen-harness.js';

const ENV = { ADMIN_TOKEN, PASSWORKS_API_KEY: LOCAL_KEY };

/** Resolves once `done()` holds (polled every 20 ms; rejects after 20 s). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 20_000) throw new Error(`never ${what}`);
    await sleep(20);
  }
}

/** Starts `listen` in process; `stop()` aborts it (Ctrl-C) and resolves its exit code; stopped in teardown. */
function listenHere(t: Tap, args: readonly string[], env: Record<string, string> = ENV) {
  const controller = new AbortController();
  const io = { ...capture(env), signal: controller.signal };
  const exit = runCli(['listen', ...args], io);
  const stop = (): Promise<number> => (controller.abort(), exit);
  t.teardown(stop);
  return { io, exit, stop };
}

/** How many lines of the output report a 2xx. */
const relayedLines = (out: string): number => (out.match(/<-- \[2\d\d\]|"status":2\d\d/g) ?? []).length;

/** The event ids of `--json` output, as printed. */
const printedIds = (out: string): number[] =>
  out
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: number }).id);

const passOf = (arrival: Arrival): string => (JSON.parse(arrival.body.toString('utf8')) as { pass_id: string }).pass_id;

t.test('relays byte-identical events one POST at a time, in per-pass order, and saves the place on Ctrl-C', async (t) => {
  const dir = t.testdir();
  const { receiver, stored } = await receiverHolding(t, join(dir, 'relay.db'), 4, 61);
  let inFlight = 0;
  let most = 0;
  const arrivals: { id: number; body: Buffer; authorization: string | undefined }[] = [];
  const url = await serve(t, (req, res) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Answers a little later, so overlapping POSTs would show.
    req.on('end', () =>
      setTimeout(() => {
        inFlight -= 1;
        arrivals.push({ id: Number(req.headers['x-passworks-event-id']), body: Buffer.concat(chunks), authorization: req.headers.authorization });
        res.writeHead(204).end();
      }, 5),
    );
  });
  const stateFile = join(dir, 'state.json');
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', `${url}/hook`, '--since-id', '0', '--state-file', stateFile]);
  await until(() => relayedLines(relay.io.out()) >= stored.length, 'relayed every event');
  t.equal(await relay.stop(), 0);
  t.equal(most, 1, 'never two POSTs in flight');
  t.same(
    arrivals.map((a) => a.id).sort((a, b) => a - b),
    stored,
    'each stored event once',
  );
  for (const arrival of arrivals) t.ok(arrival.body.equals(await rawOf(receiver.url, arrival.id)), `#${arrival.id}: the stored bytes`);
  t.ok(arrivals.every((a) => a.authorization === LOCAL_KEY));
  t.same(JSON.parse(await readFile(stateFile, 'utf8')), { lastId: Math.max(...stored), doneAfter: [] });
  t.match(relay.io.out(), /  <-- \[204\] \d+ ms\n/);
  t.notOk(`${relay.io.out()}${relay.io.err()}`.includes(LOCAL_KEY), 'no api key in the output');
  t.notOk(`${relay.io.out()}${relay.io.err()}`.includes(ADMIN_TOKEN), 'no admin token in the output');
});

t.test('a local app answering 503 is retried after its Retry-After, then everything arrives in per-pass order', async (t) => {
  const { receiver, stored } = await receiverHolding(t, join(t.testdir(), 'failing.db'), 3, 62);
  const app = await localApp(t);
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', app.url, '--since-id', '0', '--json']);
  app.failing = true;
  await until(() => app.arrivals.some((a) => a.status === 503), 'refused one');
  app.failing = false;
  await until(() => relayedLines(relay.io.out()) >= stored.length, 'relayed every event');
  t.equal(await relay.stop(), 0);
  t.ok(inPassOrder(app.arrivals), 'per-pass order');
  const lines = relay.io
    .out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { status: number | null; retry_in_ms: number | null });
  t.ok(
    lines.some((line) => line.status === 503 && line.retry_in_ms === 1000),
    'the Retry-After of the answer is the wait',
  );
  t.equal(lines.filter((line) => line.status === 200).length, stored.length, 'one 200 line per event');
});

t.test('other passes are relayed while one pass waits out a long Retry-After', async (t) => {
  const { receiver, bodies, stored } = await receiverHolding(t, join(t.testdir(), 'blocked.db'), 3, 63);
  const blocked = (JSON.parse(bodies[0] as string) as { pass_id: string }).pass_id;
  const others = bodies.filter((body) => (JSON.parse(body) as { pass_id: string }).pass_id !== blocked).length;
  const accepted: Arrival[] = [];
  let refusals = 0;
  const url = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrival = { id: Number(req.headers['x-passworks-event-id']), body: Buffer.concat(chunks), headers: req.headers, status: 200 };
      if (passOf(arrival) === blocked) {
        refusals += 1;
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end();
        return;
      }
      accepted.push(arrival);
      res.writeHead(200).end();
    });
  });
  const stateFile = join(t.testdir(), 'state.json');
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', `${url}/hook`, '--since-id', '0', '--state-file', stateFile]);
  await until(() => accepted.length >= others, 'relayed the other passes');
  t.equal(refusals, 1, 'the blocked pass waits (an HTTP-date Retry-After) instead of being hammered');
  t.equal(await relay.stop(), 0);
  t.ok(inPassOrder(accepted), 'per-pass order');
  t.match(relay.io.out(), /<-- \[503\] \d+ ms {2}\(retry in (59|60)\.\d s\)\n/);
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as { lastId: number; doneAfter: number[] };
  const firstBlocked = Math.min(...stored.filter((id) => !accepted.some((a) => a.id === id)));
  t.equal(state.lastId, firstBlocked - 1, 'the place stops before the blocked event');
  t.same(
    state.doneAfter,
    accepted
      .map((a) => a.id)
      .filter((id) => id > firstBlocked)
      .sort((a, b) => a - b),
    'and records the ones relayed past it',
  );
});

t.test('resumes from a state file: re-sends only what is not recorded (the first format too)', async (t) => {
  const dir = t.testdir();
  const { receiver, stored } = await receiverHolding(t, join(dir, 'resume.db'), 3, 64);
  const lastId = stored[2] as number;
  const doneAfter = [stored[4] as number, stored[6] as number];
  const stateFile = join(dir, 'state.json');
  await writeFile(stateFile, JSON.stringify({ lastId, doneAfter }));
  const app = await localApp(t);
  const expected = stored.filter((id) => id > lastId && !doneAfter.includes(id));
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', app.url, '--state-file', stateFile]);
  await until(() => relayedLines(relay.io.out()) >= expected.length, 'relayed what is not recorded');
  t.equal(await relay.stop(), 0);
  t.match(relay.io.err(), new RegExp(`after event #${lastId} `));
  t.same(
    app.arrivals.map((a) => a.id).sort((a, b) => a - b),
    expected,
    'exactly the ids not recorded',
  );
  t.same(JSON.parse(await readFile(stateFile, 'utf8')), { lastId: Math.max(...stored), doneAfter: [] });

  await writeFile(stateFile, JSON.stringify({ lastId: stored[stored.length - 2] }));
  const tail = listenHere(t, ['--from', receiver.url, '--state-file', stateFile, '--json']);
  await until(() => tail.io.out() !== '', 'printed');
  t.equal(await tail.stop(), 0);
  t.same(printedIds(tail.io.out()), [stored[stored.length - 1]], 'a lastId-only file resumes after it');
});

t.test('started now with a state file: the place is kept from the first live event on', async (t) => {
  const dir = t.testdir();
  const receiver = await receiverOn(t, join(dir, 'live.db'));
  const bodies = await eventBodies(2, 65);
  await send(receiver.url, bodies.slice(0, 2));
  const before = await storedIds(receiver.url);
  const stateFile = join(dir, 'state.json');
  const tail = listenHere(t, ['--from', receiver.url, '--state-file', stateFile]);
  await until(() => tail.io.err().includes('connected to the receiver'), 'connected');
  await send(receiver.url, bodies.slice(2));
  const after = (await storedIds(receiver.url)).filter((id) => !before.includes(id));
  await until(() => tail.io.out().split('\n').length > after.length, 'printed the live events');
  t.equal(await tail.stop(), 0);
  t.match(tail.io.err(), /from now/);
  t.same(JSON.parse(await readFile(stateFile, 'utf8')), { lastId: Math.max(...after), doneAfter: [] });
  t.equal(
    tail.io
      .out()
      .split('\n')
      .filter((line) => line !== '').length,
    after.length,
    'only the events stored after the start',
  );
});

t.test('a --forward-to that refuses connections at the start exits 2, naming it without the key', async (t) => {
  const receiver = await receiverOn(t, join(t.testdir(), 'refused.db'));
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const io = capture(ENV);
  t.equal(await runCli(['listen', '--from', receiver.url, '--forward-to', `http://127.0.0.1:${port}/webhooks/passworks?x=1`, '--since-id', '0'], io), 2);
  t.match(
    io.err(),
    `--forward-to http://127.0.0.1:${port}/webhooks/passworks: nothing accepts connections there (ECONNREFUSED): start the local app, or check the host and port`,
  );
  t.notOk(`${io.out()}${io.err()}`.includes(LOCAL_KEY));
  t.notOk(`${io.out()}${io.err()}`.includes(ADMIN_TOKEN));
});

/** A local app that hands its first `count` POSTs, once read, to `misbehave` (never answered) and answers every later one 200; their event ids. */
async function misbehavingFirst(t: Tap, count: number, misbehave: (req: http.IncomingMessage) => void): Promise<{ url: string; accepted: number[] }> {
  let seen = 0;
  const accepted: number[] = [];
  const url = await serve(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (seen < count) {
        seen += 1;
        misbehave(req);
        return;
      }
      accepted.push(Number(req.headers['x-passworks-event-id']));
      res.writeHead(200).end();
    });
  });
  return { url, accepted };
}

t.test('a local app that drops connections later in the run is retried until it answers', async (t) => {
  const { receiver, stored } = await receiverHolding(t, join(t.testdir(), 'drops.db'), 1, 66);
  const { url, accepted } = await misbehavingFirst(t, 2, (req) => req.socket.destroy());
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', `${url}/hook`, '--since-id', '0']);
  await until(() => accepted.length >= stored.length, 'relayed after the drops');
  t.equal(await relay.stop(), 0);
  t.same(
    accepted.sort((a, b) => a - b),
    stored,
  );
  t.equal((relay.io.out().match(/<-- \[ERR\] \S+ {2}\(retry in \d\.\d s\)\n/g) ?? []).length, 2, 'each failed attempt on its line');
});

t.test('a local app that never answers a POST fails that try after --timeout-ms and is retried: a hung app does not hold the send slot for ever', async (t) => {
  const { receiver, stored } = await receiverHolding(t, join(t.testdir(), 'hangs.db'), 1, 67);
  // The first POST is never answered (an app stopped at a breakpoint); its socket is left open.
  const { url, accepted } = await misbehavingFirst(t, 1, () => undefined);
  const relay = listenHere(t, ['--from', receiver.url, '--forward-to', `${url}/hook`, '--since-id', '0', '--timeout-ms', '300']);
  await until(() => accepted.length >= stored.length, 'relayed after the hung POST');
  t.equal(await relay.stop(), 0);
  t.same(
    [...new Set(accepted)].sort((a, b) => a - b),
    stored,
    'every event arrived, the hung one on a later try',
  );
  t.match(relay.io.out(), /<-- \[ERR\] timeout {2}\(retry in \d\.\d s\)\n/, 'the timed-out try is on its line');
});

t.test('filters: several --event names (kept here) with --pass-id (kept by the receiver)', async (t) => {
  const receiver = await receiverOn(t, join(t.testdir(), 'filters.db'));
  const filter = await filterCase(receiver.url, 67);
  t.ok(filter.expected >= 2, 'the filter keeps some events');
  const tail = listenHere(t, ['--from', receiver.url, '--since-id', '0', ...filter.args]);
  await until(() => tail.io.out().split('\n').length > filter.expected, 'printed the matching events');
  t.equal(await tail.stop(), 0);
  const shown = tail.io.out().trim().split('\n');
  t.equal(shown.length, filter.expected, 'only the matching events');
  t.ok(filter.holds(shown));

  const single = listenHere(t, ['--from', receiver.url, '--since-id', '0', '--event', 'created', '--campaign-id', '00000000-0000-4000-8000-000000000000']);
  await until(() => single.io.err().includes('connected to the receiver'), 'connected');
  t.equal(await single.stop(), 0);
  t.equal(single.io.out(), '', 'no event of an unknown campaign');

  const io = capture(ENV);
  t.equal(await runCli(['listen', '--from', receiver.url, '--campaign-id', 'not-a-uuid'], io), 2, 'a filter the receiver refuses is a mistake, not an outage');
  t.match(io.err(), /the receiver refused the stream filters \(400\): --pass-id and --campaign-id are UUIDs/);
});

t.test('--since starts at the first stored event at or after that time', async (t) => {
  const { receiver, bodies, stored } = await receiverHolding(t, join(t.testdir(), 'since.db'), 2, 68);
  const times = bodies.map((body) => (JSON.parse(body) as { event_at: string }).event_at);
  const since = times[times.length - 2] as string;
  const tail = listenHere(t, ['--from', receiver.url, '--since', since, '--json']);
  await until(() => tail.io.out().split('\n').length > 2, 'printed');
  t.equal(await tail.stop(), 0);
  t.same(printedIds(tail.io.out()), stored.slice(-2));

  const future = listenHere(t, ['--from', receiver.url, '--since', '2099-01-01T00:00:00Z']);
  await until(() => future.io.err().includes('connected to the receiver'), 'connected');
  t.equal(await future.stop(), 0);
  t.equal(future.io.out(), '', 'nothing stored at or after a future time');
});

t.test('a wrong admin token, a --from with no event stream, or a failing list exit 2 without echoing the token', async (t) => {
  const receiver = await receiverOn(t, join(t.testdir(), 'auth.db'));
  const wrong = 'wrong-admin-token-secret-9876';
  for (const args of [[], ['--since-id', '0'], ['--since', '2026-01-01T00:00:00Z']]) {
    const io = capture({ ADMIN_TOKEN: wrong });
    t.equal(await runCli(['listen', '--from', receiver.url, ...args], io), 2, args.join(' '));
    t.match(io.err(), /refused the admin token \(401\)/);
    t.notOk(io.err().includes(wrong));
  }
  const notFound = await serve(t, (_req, res) => res.writeHead(404).end());
  const io = capture(ENV);
  t.equal(await runCli(['listen', '--from', notFound, '--since-id', '0'], io), 2);
  t.match(io.err(), /no event stream at http:\/\/127\.0\.0\.1:\d+\/api\/events\/stream \(404\): is --from a passworks receiver\?/);
  const failing = capture(ENV);
  t.equal(await runCli(['listen', '--from', notFound, '--since', '2026-01-01T00:00:00Z'], failing), 2);
  t.match(failing.err(), /listing the events since 2026-01-01T00:00:00\.000Z failed: the receiver answered 404/);
});

t.test('an unreachable receiver is retried with a countdown until Ctrl-C', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const tail = listenHere(t, ['--from', `http://127.0.0.1:${port}`]);
  await until(() => tail.io.err().includes('receiver unreachable: reconnecting in 1 s'), 'counted down');
  t.equal(await tail.stop(), 0);
});

t.test('argument errors exit 2 with the flag named, never the value', async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--admin-token', 'x'], {}, /--from is required|--from/],
    [['--from', 'ftp://example.com'], ENV, /--from: expected an http:\/\/ or https:\/\/ URL/],
    [['--from', 'http://127.0.0.1:1'], {}, /--admin-token is required \(or set ADMIN_TOKEN\)/],
    [
      ['--from', 'http://127.0.0.1:1', '--forward-to', 'http://127.0.0.1:2/hook'],
      { ADMIN_TOKEN },
      /--api-key is required with --forward-to \(or set PASSWORKS_API_KEY\)/,
    ],
    [['--from', 'http://127.0.0.1:1', '--forward-to', 'secret-key-in-url'], ENV, /--forward-to: not a URL/],
    [['--from', 'http://127.0.0.1:1', '--since-id', '3', '--since', '2026-01-01T00:00:00Z'], ENV, /either --since-id or --since, not both/],
    [['--from', 'http://127.0.0.1:1', '--since', 'yesterday'], ENV, /--since: expected an ISO 8601 time/],
  ];
  for (const [args, env, message] of cases) {
    const io = capture(env);
    t.equal(await runCli(['listen', ...args], io), 2, args.join(' '));
    t.match(io.err(), message);
    t.notOk(io.err().includes('secret-key-in-url'));
  }
});

t.test('raw bytes the receiver cannot serve yet are fetched again; a refused token on them exits 2', async (t) => {
  // A stand-in receiver: one streamed event whose raw bytes fail twice (503, then a dropped connection), then come.
  let rawCalls = 0;
  let rawStatus = 0;
  const body = '{"event":"installed"}';
  const from = await serve(t, (req, res) => {
    if (req.url?.startsWith('/api/events/stream') === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: 1\nevent: event\ndata: ${JSON.stringify({ id: 1, event: 'installed', pass_id: 'p1' })}\n\n`);
      return;
    }
    if (req.url === '/api/events/1/raw') {
      rawCalls += 1;
      if (rawStatus !== 0) return void res.writeHead(rawStatus).end();
      if (rawCalls === 1) return void res.writeHead(503).end();
      if (rawCalls === 2) return void req.socket.destroy();
      return void res.writeHead(200).end(body);
    }
    res.writeHead(404).end();
  });
  const app = await localApp(t);
  const relay = listenHere(t, ['--from', from, '--forward-to', app.url, '--since-id', '0']);
  await until(() => relayedLines(relay.io.out()) === 1, 'relayed the event');
  t.equal(await relay.stop(), 0);
  t.equal(rawCalls, 3);
  t.match(relay.io.err(), /event #1: the receiver answered 503 for its raw bytes; retrying/);
  t.match(relay.io.err(), /event #1: receiver unreachable \(\w+\); retrying/);
  t.same(
    app.arrivals.map((a) => a.body.toString('utf8')),
    [body],
  );

  rawStatus = 401;
  const io = capture(ENV);
  t.equal(await runCli(['listen', '--from', from, '--forward-to', app.url, '--since-id', '0'], io), 2);
  t.match(io.err(), /the receiver refused the admin token \(401\)/);
});

t.test('a state file that cannot be written ends the run with exit 2 instead of relaying without a place', async (t) => {
  const { receiver } = await receiverHolding(t, join(t.testdir(), 'unwritable.db'), 1, 69);
  const app = await localApp(t);
  const stateFile = join(t.testdir(), 'no-such-dir', 'state.json');
  const io = capture(ENV);
  t.equal(await runCli(['listen', '--from', receiver.url, '--forward-to', app.url, '--since-id', '0', '--state-file', stateFile], io), 2);
  t.match(io.err(), `cannot write --state-file ${stateFile} (ENOENT)`);
  t.equal(new Set(app.arrivals.map((a) => a.id)).size, 1, 'stopped after the first event it could not record');
});
