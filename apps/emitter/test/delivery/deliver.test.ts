import t from 'tap';
import { createWebhookHandler } from '@passworks-webhooks/core';
import { deliver } from '../../src/delivery/index.js';
import { simulate } from '../../src/simulator/index.js';
import { bodyOf, listen } from '../helpers/listen.js';

const API_KEY = 'pk_test_emitter_key_123';
const few = simulate({ seed: 12, passes: 3, scenario: 'abandoned' }).events;

t.test('delivers to an in-process handler: every valid event accepted, every fault rejected with its code', async (t) => {
  const events = simulate({ seed: 2, passes: 150 }).events;
  const handler = createWebhookHandler({ apiKey: API_KEY });
  const result = await deliver({
    target: (request) => handler.handle(request),
    apiKey: API_KEY,
    events,
    faults: { duplicates: 0.1, reorder: 0.1, invalid: 0.05, badAuth: 0.05, oversized: 0.02, spellings: 0.2 },
    seed: 2,
    timeScale: 0.001,
  });
  t.equal(result.ok, true);
  const { summary } = result;
  t.equal(summary.accepted, events.length, 'each event accepted once as new');
  t.equal(summary.duplicates, summary.by_kind.duplicate, 'each copy answered duplicate');
  t.equal(summary.failed, 0);
  t.equal(summary.invalid_accepted, 0);
  const codes = new Map(result.deliveries.filter((d) => d.expected === 'rejected').map((d) => [d.kind, d.attempts[0]?.code]));
  t.same(Object.fromEntries(codes), {
    invalid_json: 'invalid_json',
    invalid_schema: 'invalid_event',
    wrong_key: 'unauthorized',
    missing_key: 'unauthorized',
    oversized: 'payload_too_large',
  });
  t.ok(
    result.deliveries.filter((d) => d.expected === 'rejected').every((d) => d.attempts.length === 1),
    'faulty deliveries are never retried',
  );
});

t.test('POSTs with the raw key and the JSON content type, and never sends the key with a wrong-key fault', async (t) => {
  const seen: { auth: string | undefined; type: string | undefined; body: string }[] = [];
  const url = await listen(t, (req, res) => {
    void bodyOf(req).then((body) => {
      seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body });
      res.writeHead(req.headers.authorization === API_KEY ? 200 : 401).end();
    });
  });
  const result = await deliver({ target: `${url}/hooks/pw`, apiKey: API_KEY, events: few, faults: { badAuth: 1 } });
  t.equal(result.ok, true);
  t.equal(seen.length, few.length * 2);
  t.ok(seen.every((s) => s.type === 'application/json; charset=utf-8'));
  t.equal(seen.filter((s) => s.auth === API_KEY).length, few.length);
  t.ok(seen.filter((s) => s.auth !== API_KEY).every((s) => s.auth === undefined || !s.auth.includes(API_KEY)));
  t.same(
    seen.filter((s) => s.auth === API_KEY).map((s) => JSON.parse(s.body) as unknown),
    few,
  );
});

t.test('retries after 500s and a timeout with growing backoff, then succeeds', async (t) => {
  let calls = 0;
  const url = await listen(t, (req, res) => {
    calls++;
    void bodyOf(req).then(() => {
      if (calls <= 2) res.writeHead(500).end('{"error":{"code":"internal_error","message":"boom"}}');
      else if (calls === 3)
        return; // no answer: the sender times out
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true,"duplicate":false}');
    });
  });
  const waits: number[] = [];
  const result = await deliver({
    target: url,
    apiKey: API_KEY,
    events: few.slice(0, 1),
    timeoutMs: 300,
    backoffBaseMs: 1000,
    sleep: async (ms) => void waits.push(ms),
  });
  t.equal(result.ok, true);
  const attempts = result.deliveries[0]?.attempts ?? [];
  t.same(
    attempts.map((a) => a.status ?? a.error),
    [500, 500, 'timeout', 200],
  );
  t.equal(attempts[0]?.code, 'internal_error');
  t.equal(waits.length, 3);
  t.ok(waits[0]! >= 500 && waits[0]! <= 1000, `first wait ${waits[0]}`);
  t.ok(waits[1]! >= 1000 && waits[1]! <= 2000, `second wait ${waits[1]}`);
  t.ok(waits[2]! >= 2000 && waits[2]! <= 4000, `third wait ${waits[2]}`);
  t.match(result.summary, { retried: 1, attempts: 4, accepted: 1, failed: 0 });
});

t.test('compresses real waits with timeScale', async (t) => {
  let calls = 0;
  const url = await listen(t, (_req, res) => {
    calls++;
    res.writeHead(calls < 3 ? 503 : 204).end();
  });
  const started = performance.now();
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), backoffBaseMs: 2000, timeScale: 0.01 });
  const elapsed = performance.now() - started;
  t.equal(result.ok, true);
  t.ok(elapsed < 500, `two retries of a nominal 2 s and 4 s took ${Math.round(elapsed)} ms`);
});

t.test('gives up after maxRetries and reports the event as failed', async (t) => {
  const url = await listen(t, (_req, res) => void res.writeHead(500).end());
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), maxRetries: 2, sleep: async () => undefined });
  t.equal(result.ok, false);
  t.match(result.deliveries[0], { outcome: 'failed', ok: false, expected: 'accepted' });
  t.equal(result.deliveries[0]?.attempts.length, 3);
  t.match(result.summary, { failed: 1, rejected_by_status: { '500': 1 } });
});

t.test('honours Retry-After on a 409', async (t) => {
  let calls = 0;
  const url = await listen(t, (_req, res) => {
    calls++;
    if (calls === 1) res.writeHead(409, { 'retry-after': '7' }).end();
    else res.writeHead(200).end();
  });
  const waits: number[] = [];
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), sleep: async (ms) => void waits.push(ms) });
  t.equal(result.ok, true);
  t.same(waits, [7000]);
});

t.test('caps a huge Retry-After at backoffMaxMs instead of stalling the run', async (t) => {
  let calls = 0;
  const url = await listen(t, (_req, res) => {
    calls++;
    if (calls === 1) res.writeHead(503, { 'retry-after': '86400' }).end();
    else res.writeHead(200).end();
  });
  const waits: number[] = [];
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), backoffMaxMs: 30_000, sleep: async (ms) => void waits.push(ms) });
  t.equal(result.ok, true);
  t.same(waits, [30_000]);
});

t.test('flags an endpoint that accepts faulty deliveries, without retrying them', async (t) => {
  let calls = 0;
  const url = await listen(t, (_req, res) => {
    calls++;
    res.writeHead(200).end();
  });
  const result = await deliver({ target: url, apiKey: API_KEY, events: few, faults: { invalid: 1 } });
  t.equal(result.ok, false);
  t.equal(calls, few.length * 2, 'one faulty and one valid delivery per event');
  t.equal(result.summary.invalid_accepted, few.length);
  t.equal(result.summary.failed, 0);
});

t.test('keeps at most `concurrency` requests in flight', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const url = await listen(t, (_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(204).end();
    }, 5);
  });
  const events = simulate({ seed: 1, passes: 30 }).events;
  const result = await deliver({ target: url, apiKey: API_KEY, events, concurrency: 4 });
  t.equal(result.ok, true);
  t.ok(peak <= 4 && peak >= 2, `peak ${peak}`);
});

t.test('spaces request starts to the rate limit', async (t) => {
  const url = await listen(t, (_req, res) => void res.writeHead(204).end());
  const events = simulate({ seed: 1, passes: 4 }).events.slice(0, 21);
  const started = performance.now();
  await deliver({ target: url, apiKey: API_KEY, events, ratePerSecond: 100 });
  const elapsed = performance.now() - started;
  t.ok(elapsed >= 180, `21 requests at 100/s took ${Math.round(elapsed)} ms`);
});

t.test('redacts the key from answers it keeps', async (t) => {
  const url = await listen(t, (req, res) => void res.writeHead(400).end(`bad key ${String(req.headers.authorization)}`));
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), maxRetries: 0 });
  t.equal(JSON.stringify(result).includes(API_KEY), false);
  t.equal(result.deliveries[0]?.attempts[0]?.answer, 'bad key [redacted]');
});

t.test('redacts a key that straddles the kept length of an answer, keeping none of it', async (t) => {
  // The key starts 5 characters before the 300th: truncating before redacting would keep those 5.
  const url = await listen(t, (req, res) => void res.writeHead(400).end(`${'x'.repeat(295)}${String(req.headers.authorization)}`));
  const result = await deliver({ target: url, apiKey: API_KEY, events: few.slice(0, 1), maxRetries: 0 });
  const answer = result.deliveries[0]?.attempts[0]?.answer ?? '';
  t.equal(answer, `${'x'.repeat(295)}[reda`);
  t.equal(answer.includes(API_KEY.slice(0, 5)), false);
});

t.test('reports a connection refused as a network failure', async (t) => {
  const result = await deliver({ target: 'http://127.0.0.1:9/hook', apiKey: API_KEY, events: few.slice(0, 1), maxRetries: 1, sleep: async () => undefined });
  t.same(
    result.deliveries[0]?.attempts.map((a) => a.error),
    ['network', 'network'],
  );
  t.match(result.summary, { failed: 1, rejected_by_status: { network: 1 } });
});

t.test('rejects bad options, naming them', async (t) => {
  await t.rejects(deliver({ target: 'http://127.0.0.1:9', apiKey: '', events: few }), { message: /apiKey/ });
  await t.rejects(deliver({ target: 'http://127.0.0.1:9', apiKey: API_KEY, events: few, concurrency: 0 }), { message: /concurrency/ });
  await t.rejects(deliver({ target: 'ftp://x', apiKey: API_KEY, events: few }), { message: /url/ });
});
