import t from 'tap';
import { createWebhookHandler } from '@passworks-webhooks/core';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { passworksWebhooks } from '@passworks-webhooks/fastify';
import Fastify from 'fastify';
import { formatConformance, runConformance } from '../../src/conformance/index.js';
import { listen } from '../helpers/listen.js';

const API_KEY = 'pk_conformance_key';

/** What a conforming endpoint answers to each case, in order: [id, status, pass]. */
const ALL_GREEN = [
  ['valid', '200', true],
  ['duplicate', '200', true],
  ['other-spelling', '200', true],
  ['wrong-key', '401', true],
  ['missing-key', '401', true],
  ['malformed-json', '400', true],
  ['schema-invalid', '422', true],
  ['unknown-event', '200', true],
  ['wrong-content-type', '415', true],
  ['oversized', '413', true],
  ['get', '405', true],
];

t.test('is all green against core on node:http', async (t) => {
  const url = await listen(t, createNodeMiddleware({ apiKey: API_KEY }));
  const report = await runConformance({ target: `${url}/webhooks/passworks`, apiKey: API_KEY, seed: 5 });
  t.same(
    report.results.map((r) => [r.id, r.got, r.pass]),
    ALL_GREEN,
  );
  t.match(report, { pass: true, passed: 11, failed: 0 });
});

t.test('is all green against a Fastify app with the Fastify plugin, whose JSON route still parses JSON', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(passworksWebhooks({ apiKey: API_KEY }));
  app.post('/orders', async (request) => ({ echoed: request.body }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const report = await runConformance({ target: `${url}/webhooks/passworks`, apiKey: API_KEY, seed: 7 });
  t.same(
    report.results.map((r) => [r.id, r.got, r.pass]),
    ALL_GREEN,
  );
  t.match(report, { pass: true, passed: 11, failed: 0 });
  const order = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' });
  t.same(await order.json(), { echoed: { sku: 'A-1' } });
});

t.test('reports the target without the credentials or query a URL may carry', async (t) => {
  const url = await listen(t, createNodeMiddleware({ apiKey: API_KEY }));
  const report = await runConformance({ target: `${url.replace('://', '://user:hunter2@')}/webhooks/passworks?token=hunter2`, apiKey: API_KEY, seed: 6 });
  t.equal(report.target, `${url}/webhooks/passworks`);
  t.equal(JSON.stringify(report).includes('hunter2'), false);
});

t.test('is all green against an in-process handler, with no port', async (t) => {
  const handler = createWebhookHandler({ apiKey: API_KEY });
  const report = await runConformance({ target: (request) => handler.handle(request), apiKey: API_KEY });
  t.equal(report.pass, true, formatConformance(report));
});

t.test('shows each failure of an endpoint that answers 200 to everything', async (t) => {
  const url = await listen(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true,"duplicate":false}'));
  });
  const report = await runConformance({ target: url, apiKey: API_KEY });
  t.equal(report.pass, false);
  t.same(
    report.results.filter((r) => !r.pass).map((r) => r.id),
    ['duplicate', 'other-spelling', 'wrong-key', 'missing-key', 'malformed-json', 'schema-invalid', 'wrong-content-type', 'oversized', 'get'],
  );
  t.match(
    report.results.find((r) => r.id === 'duplicate'),
    { expected: '2xx', got: '200', note: /duplicate: false/ },
  );
  const table = formatConformance(report);
  t.match(table, /FAIL\s+wrong API key\s+401 or 403\s+200/);
  t.match(table, /2\/11 passed, 9 failed/);
});

t.test('reports a timeout as what came back', async (t) => {
  const url = await listen(t, () => undefined);
  const report = await runConformance({ target: url, apiKey: API_KEY, timeoutMs: 100 });
  t.ok(report.results.every((r) => r.got === 'timeout' && !r.pass));
});
