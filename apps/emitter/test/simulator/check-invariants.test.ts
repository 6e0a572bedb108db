import t from 'tap';
import fc from 'fast-check';
import type { PassEvent } from '@passworks-webhooks/core';
import { checkInvariants, simulate, type Simulation } from '../../src/simulator/index.js';

const singleUse = (simulation: Simulation): Set<string> => new Set(simulation.campaigns.filter((c) => !c.multi_redeem).map((c) => c.campaign_id));

t.test('holds invariants 1-8 on thousands of passes over many seeds', async (t) => {
  let passes = 0;
  for (let seed = 100; seed < 140; seed++) {
    const simulation = simulate({ seed, passes: 150 });
    const violations = checkInvariants(simulation.events, { singleUseCampaignIds: singleUse(simulation) });
    t.same(violations, [], `seed ${seed}`);
    passes += simulation.truth.length;
  }
  t.equal(passes, 6000);
});

t.test('holds the invariants in every scenario', async (t) => {
  for (const scenario of [
    'single-use-coupon',
    'loyalty-two-devices',
    'returning-visitor',
    'abandoned',
    'android-reinstall',
    'google-pay-offer',
    'event-ticket-venue-change',
    'boarding-pass',
    'campaign-push',
    'random',
  ] as const) {
    const simulation = simulate({ seed: 77, passes: 100, scenario });
    t.same(checkInvariants(simulation.events, { singleUseCampaignIds: singleUse(simulation) }), [], scenario);
  }
});

t.test('holds the invariants for any seed and size (property)', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 60 }), (seed, passes) => {
      const simulation = simulate({ seed, passes });
      return checkInvariants(simulation.events, { singleUseCampaignIds: singleUse(simulation) }).length === 0;
    }),
    { numRuns: 100 },
  );
  t.pass('100 random seeds and sizes');
});

t.test('agrees with the ground truth: last event, counts, live registrations', async (t) => {
  const simulation = simulate({ seed: 31, passes: 400 });
  const byPass = new Map<string, PassEvent[]>();
  for (const event of simulation.events) byPass.set(event.pass_id, [...(byPass.get(event.pass_id) ?? []), event]);
  for (const truth of simulation.truth) {
    const events = byPass.get(truth.pass_id) ?? [];
    const last = events[events.length - 1];
    if (last === undefined || last.event !== truth.last_event.event || last.event_at !== truth.last_event.event_at) t.fail(`last event of ${truth.pass_id}`);
    if (last?.redeemed_count !== truth.redeemed_count || last.voided !== truth.voided || last.last_fetched_at !== truth.last_fetched_at)
      t.fail(`state of ${truth.pass_id}`);
    const total = Object.values(truth.event_counts).reduce((sum, count) => sum + count, 0);
    if (total !== events.length) t.fail(`event counts of ${truth.pass_id}`);
    const live = new Set<string>();
    for (const event of events) {
      const id = event.event_extra.registration_id;
      if (id === undefined) continue;
      if (event.event === 'installed') live.add(id);
      if (event.event === 'uninstalled') live.delete(id);
    }
    t.same(new Set(truth.registrations.map((r) => r.registration_id)), live);
  }
});

const stream = (): PassEvent[] => [...simulate({ seed: 5, passes: 1, scenario: 'single-use-coupon' }).events];

t.test('reports a stream that breaks each invariant', async (t) => {
  const events = stream();
  const campaign = new Set([events[0]?.campaign_id ?? '']);
  const broken = (index: number, change: Partial<PassEvent>): number[] =>
    checkInvariants(
      events.map((event, i) => (i === index ? ({ ...event, ...change } as PassEvent) : event)),
      { singleUseCampaignIds: campaign },
    ).map((v) => v.invariant);
  t.ok(broken(2, { serial_number: '00000000-0000-4000-8000-000000000000' }).includes(1), 'invariant 1');
  t.ok(broken(1, { event: 'created' }).includes(2), 'invariant 2');
  t.ok(broken(3, { updated_at: '2000-01-01T00:00:00Z' }).includes(3), 'invariant 3');
  t.ok(broken(3, { redeemed_count: 2 }).includes(4), 'invariant 4');
  t.ok(broken(5, { voided: false }).includes(5), 'invariant 5');
  t.ok(broken(3, { last_fetched_at: null }).includes(6), 'invariant 6');
  t.ok(broken(3, { event_extra: { ...events[3]?.event_extra, device_os: 'android' } }).includes(7), 'invariant 7');
  t.ok(broken(0, { context: 'campaign' }).includes(8), 'invariant 8');
  const twice = [...events, { ...(events[5] as PassEvent) }];
  t.ok(
    checkInvariants(twice, { singleUseCampaignIds: campaign }).some((v) => v.invariant === 0),
    'a repeated (pass, event, event_at)',
  );
});
