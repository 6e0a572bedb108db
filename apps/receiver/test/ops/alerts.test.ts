import { readFileSync } from 'node:fs';
import t from 'tap';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import type { EventStream } from '../../src/api/create-event-stream.js';
import { createStreamMetrics } from '../../src/api/create-stream-metrics.js';
import { testApp } from '../helpers.js';

// docs/alerts.yml and docs/grafana-dashboard.json read only metrics GET /metrics exports (with forwarding on):
// a renamed metric breaks this test, not a silent alert.
interface Rule {
  readonly alert?: unknown;
  readonly expr?: unknown;
  readonly for?: unknown;
  readonly labels?: { readonly severity?: unknown };
  readonly annotations?: { readonly summary?: unknown };
}

const docs = new URL('../../docs/', import.meta.url);
/** The `passworks_*` metric names an expression reads (a histogram's `_bucket`, `_sum`, `_count` read its own name). */
const metricsIn = (expr: string): string[] => [...expr.matchAll(/\bpassworks_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));

t.test('the stream gauges: the poll age counts while a client is connected, 0 without one', async (t) => {
  const stream = { clients: 2, lastPolledAtMs: 1_000 as number | undefined };
  const registry = new Registry();
  createStreamMetrics(registry, stream as unknown as EventStream, () => 31_000);
  const value = async (name: string): Promise<number | undefined> => (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
  t.equal(await value('passworks_event_stream_clients'), 2);
  t.equal(await value('passworks_event_stream_last_poll_age_seconds'), 30);
  stream.clients = 0;
  t.equal(await value('passworks_event_stream_last_poll_age_seconds'), 0);
});

t.test('every alert parses, is complete, and reads exported metrics; the dashboard too', async (t) => {
  const { app } = testApp(t, { forward: { url: 'http://127.0.0.1:9/unused', apiKey: 'downstream-key-for-alerts' } });
  const exported = new Set((await app.metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
  t.ok(exported.has('passworks_event_stream_last_poll_age_seconds'), 'the stream gauges are registered');

  const doc = parse(readFileSync(new URL('alerts.yml', docs), 'utf8')) as { groups?: Array<{ name?: unknown; rules?: Rule[] }> };
  const rules = (doc.groups ?? []).flatMap((group) => group.rules ?? []);
  t.same(
    rules.map((rule) => rule.alert),
    ['PassworksDeadLetters', 'PassworksForwardingLag', 'PassworksWebhook5xxRate', 'PassworksStoreUnavailable', 'PassworksLiveStreamStalled'],
  );
  for (const rule of rules) {
    t.type(rule.expr, 'string', `${String(rule.alert)}: expr`);
    t.type(rule.annotations?.summary, 'string', `${String(rule.alert)}: summary`);
    t.match(rule.labels?.severity, /^(warning|critical)$/, `${String(rule.alert)}: severity`);
    if (rule.for !== undefined) t.match(rule.for, /^\d+[smh]$/, `${String(rule.alert)}: for`);
    const names = metricsIn(String(rule.expr));
    t.ok(names.length > 0, `${String(rule.alert)} reads a receiver metric`);
    t.same(
      names.filter((name) => !exported.has(name)),
      [],
      `${String(rule.alert)}: every metric it reads is exported`,
    );
    // Balanced brackets: a cut expression would not load.
    for (const [open, close] of ['()', '[]', '{}'])
      t.equal(String(rule.expr).split(open!).length, String(rule.expr).split(close!).length, `${String(rule.alert)}: ${open}${close} balanced`);
  }

  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', docs), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const read = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr))));
  for (const panel of dashboard.panels)
    for (const target of panel.targets)
      t.same(
        metricsIn(target.expr).filter((name) => !exported.has(name)),
        [],
        `panel ${panel.title}`,
      );
  const alerted = new Set(rules.flatMap((rule) => metricsIn(String(rule.expr))));
  t.same(
    [...alerted].filter((name) => !read.has(name)),
    [],
    'the dashboard shows every metric alerted on',
  );
});
