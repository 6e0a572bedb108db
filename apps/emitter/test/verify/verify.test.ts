import t from 'tap';
import { mapPassState, verify } from '../../src/verify/index.js';
import { simulate, type PassTruth } from '../../src/simulator/index.js';
import { listen } from '../helpers/listen.js';

const TOKEN = 'admin-token-for-tests';
const simulation = simulate({ seed: 17, passes: 40 });

/** A pass as apps/receiver shows it, built from the ground truth (with uninstalled registrations kept, as the receiver does). */
function receiverView(truth: PassTruth): Record<string, unknown> {
  const timeline = Object.entries(truth.event_counts).flatMap(([event, count]) =>
    Array.from({ length: count }, () => ({ event, event_at: '2026-03-02T09:00:00Z' })),
  );
  return {
    pass_id: truth.pass_id,
    campaign_id: truth.campaign_id,
    redeemed_count: truth.redeemed_count,
    voided: truth.voided,
    last_fetched_at: truth.last_fetched_at === null ? null : truth.last_fetched_at.replace('Z', '.000+00:00'),
    last_event: truth.last_event.event,
    last_event_at: truth.last_event.event_at,
    registrations: [
      ...truth.registrations.map((r) => ({ ...r, wallet_type: 'x', live: true, uninstalled_at: null })),
      { registration_id: 'gone', device_os: 'ios', wallet: 'passbook', live: false, uninstalled_at: '2026-03-03T00:00:00Z' },
    ],
    timeline,
    timeline_truncated: false,
  };
}

async function fakeReceiver(t: Parameters<typeof listen>[0], passes: readonly Record<string, unknown>[]): Promise<string> {
  return listen(t, (req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const one = /^\/api\/passes\/([^/]+)$/.exec(url.pathname);
    if (one !== null) {
      const pass = passes.find((p) => p['pass_id'] === one[1]);
      return pass === undefined ? json(404, { error: { code: 'not_found', message: 'no' } }) : json(200, { data: pass });
    }
    if (url.pathname === '/api/passes') {
      const list = passes.filter((p) => p['campaign_id'] === url.searchParams.get('campaign_id'));
      // Two pages, to follow the cursor.
      const page = url.searchParams.get('cursor') === null ? list.slice(0, 2) : list.slice(2);
      return json(200, { data: page, next_cursor: url.searchParams.get('cursor') === null && list.length > 2 ? 'c2' : null });
    }
    if (url.pathname === '/api/stats') {
      const counts: Record<string, number> = {};
      for (const pass of passes.filter((p) => p['campaign_id'] === url.searchParams.get('campaign_id'))) {
        for (const entry of pass['timeline'] as { event: string }[]) counts[entry.event] = (counts[entry.event] ?? 0) + 1;
      }
      return json(200, { data: { by_event: Object.entries(counts).map(([event, count]) => ({ event, count })) } });
    }
    json(404, {});
  });
}

t.test('finds no difference when the receiver holds the ground truth', async (t) => {
  const url = await fakeReceiver(t, simulation.truth.map(receiverView));
  const result = await verify({ report: simulation, receiverUrl: url, adminToken: TOKEN });
  t.same(result.differences, []);
  t.match(result, { pass: true, passes_checked: 40 });
});

t.test('lists every difference: state fields, registrations, counts, missing and extra passes', async (t) => {
  const views = simulation.truth.map(receiverView);
  const [first, second, third] = simulation.truth;
  const tampered = views.map((view) => {
    if (view['pass_id'] === first?.pass_id) return { ...view, redeemed_count: 99, voided: !(first?.voided ?? false), registrations: [] };
    if (view['pass_id'] === second?.pass_id) return { ...view, timeline: [...(view['timeline'] as object[]), { event: 'created' }], last_event: 'pass_shared' };
    return view;
  });
  const withoutThird = tampered.filter((view) => view['pass_id'] !== third?.pass_id);
  withoutThird.push({ ...(views[3] as Record<string, unknown>), pass_id: '00000000-0000-4000-8000-000000000000' });
  const url = await fakeReceiver(t, withoutThird);
  const result = await verify({ report: simulation, receiverUrl: url, adminToken: TOKEN });
  t.equal(result.pass, false);
  const fields = (passId: string | undefined): string[] => result.differences.filter((d) => d.pass_id === passId).map((d) => d.field);
  t.same(
    fields(first?.pass_id).filter((f) => !f.startsWith('registrations')),
    ['redeemed_count', 'voided'],
  );
  t.equal(fields(first?.pass_id).filter((f) => f.startsWith('registrations')).length, first?.registrations.length);
  t.same(fields(second?.pass_id), ['event_counts.created', 'last_event']);
  t.same(
    result.differences.filter((d) => d.pass_id === third?.pass_id),
    [{ pass_id: third?.pass_id, field: 'pass', expected: 'stored', actual: 'not found' }],
  );
  t.same(fields('00000000-0000-4000-8000-000000000000'), ['pass']);
  t.ok(
    result.differences.some((d) => d.pass_id === null && d.field.startsWith('stats[')),
    'campaign counts differ too',
  );
});

t.test('fails with the status when the admin token is refused, never echoing it', async (t) => {
  const wrong = 'wrong-admin-token-0123456789';
  // A receiver that echoes the token it got, across the 200 characters the message keeps.
  const url = await listen(t, (req, res) => void res.writeHead(401).end(`${'x'.repeat(180)}${String(req.headers.authorization)}`));
  const error = await verify({ report: simulation, receiverUrl: url, adminToken: wrong }).catch((e: unknown) => e);
  t.match(error, { name: 'ReceiverError', status: 401 });
  t.equal((error as Error).message.includes(wrong.slice(0, 3)), false, 'no part of the token is echoed');
  t.match((error as Error).message, /Bearer \[redacted\]$/);
});

t.test('maps the receiver JSON: unwraps data, keeps live registrations, counts the timeline', async (t) => {
  t.same(
    mapPassState({
      data: {
        campaign_id: 'c',
        redeemed_count: 2,
        voided: false,
        last_fetched_at: null,
        last_event: 'redeemed',
        last_event_at: '2026-03-02T09:00:00Z',
        registrations: [
          { registration_id: 'r1', device_os: 'ios', wallet: 'passbook', live: true },
          { registration_id: 'r2', device_os: 'android', wallet: 'pass2u', live: false },
        ],
        timeline: [{ event: 'created' }, { event: 'redeemed' }, { event: 'redeemed' }],
      },
    }),
    {
      campaign_id: 'c',
      redeemed_count: 2,
      voided: false,
      last_fetched_at: null,
      registrations: [{ registration_id: 'r1', device_os: 'ios', wallet: 'passbook' }],
      last_event: { event: 'redeemed', event_at: '2026-03-02T09:00:00Z' },
      event_counts: { created: 1, redeemed: 2 },
    },
  );
});
