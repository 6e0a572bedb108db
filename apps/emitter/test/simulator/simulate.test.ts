import t from 'tap';
import { validatePassEvent } from '@passworks-webhooks/core';
import { SCENARIO_NAMES, simulate, toNdjson } from '../../src/simulator/index.js';

t.test('gives byte-identical output for the same seed', async (t) => {
  const a = simulate({ seed: 1234, passes: 300 });
  const b = simulate({ seed: 1234, passes: 300 });
  t.equal(toNdjson(a.events), toNdjson(b.events));
  t.equal(JSON.stringify(a.truth), JSON.stringify(b.truth));
  t.equal(JSON.stringify(a.campaigns), JSON.stringify(b.campaigns));
});

t.test('gives different output for a different seed', async (t) => {
  t.not(toNdjson(simulate({ seed: 1, passes: 20 }).events), toNdjson(simulate({ seed: 2, passes: 20 }).events));
});

t.test('emits only payloads that core validates as known events', async (t) => {
  let checked = 0;
  for (let seed = 1; seed <= 10; seed++) {
    for (const event of simulate({ seed, passes: 200 }).events) {
      const result = validatePassEvent(JSON.parse(JSON.stringify(event)));
      if (!result.ok || !result.known) t.fail(`seed ${seed}: ${result.ok ? 'unknown event' : result.error.message}`);
      checked++;
    }
  }
  t.ok(checked > 10_000, `${checked} payloads validated`);
});

t.test('orders events by event_at', async (t) => {
  const times = simulate({ seed: 5, passes: 200 }).events.map((event) => Date.parse(event.event_at));
  t.ok(times.every((time, i) => i === 0 || time >= (times[i - 1] as number)));
});

t.test('lives the realistic sequences of domain.md', async (t) => {
  const names = (scenario: (typeof SCENARIO_NAMES)[number]): string[] => simulate({ seed: 9, passes: 1, scenario }).events.map((event) => event.event);
  t.same(names('single-use-coupon'), ['created', 'downloaded', 'installed', 'fetched', 'fetched', 'redeemed', 'fetched', 'uninstalled']);
  t.same(names('loyalty-two-devices'), [
    'created',
    'downloaded',
    'installed',
    'installed',
    'fetched',
    'fetched',
    'redeemed',
    'redeemed',
    'redeemed',
    'uninstalled',
  ]);
  t.same(names('returning-visitor'), ['created', 'downloaded', 'downloaded', 'installed']);
  t.same(names('abandoned'), ['created', 'downloaded']);
  t.same(names('google-pay-offer'), ['created', 'installed', 'redeemed']);
  t.same(names('event-ticket-venue-change'), ['created', 'downloaded', 'installed', 'fetched', 'redeemed', 'uninstalled']);
  const android = names('android-reinstall');
  t.same(android.slice(0, 4), ['created', 'downloaded', 'installed', 'fetched']);
  t.same(android.slice(-2), ['uninstalled', 'installed']);
});

t.test('voids a single-use coupon on its redeem and keeps a loyalty card valid', async (t) => {
  const coupon = simulate({ seed: 2, passes: 1, scenario: 'single-use-coupon' });
  const redeem = coupon.events.find((event) => event.event === 'redeemed');
  t.match(redeem, { redeemed_count: 1, voided: true, redeemed_at: redeem?.event_at });
  const card = simulate({ seed: 2, passes: 1, scenario: 'loyalty-two-devices' });
  t.match(card.truth[0], { redeemed_count: 3, voided: false });
  t.equal(card.truth[0]?.registrations.length, 1, 'R2 was uninstalled, R1 is live');
});

t.test('gives a Google-hosted pass no fetched and a google_wallet registration', async (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const { events, truth } = simulate({ seed, passes: 1, scenario: 'google-pay-offer' });
    t.notOk(events.some((event) => event.event === 'fetched' || event.event === 'downloaded'));
    t.match(truth[0]?.registrations, [{ device_os: 'android', wallet: 'google_wallet' }]);
  }
});

t.test('reinstalls on Android as a new registration with the same wallet', async (t) => {
  const { events, truth } = simulate({ seed: 4, passes: 1, scenario: 'android-reinstall' });
  const installs = events.filter((event) => event.event === 'installed');
  t.equal(installs.length, 2);
  t.not(installs[0]?.event_extra.registration_id, installs[1]?.event_extra.registration_id);
  t.same(truth[0]?.registrations, [{ registration_id: installs[1]?.event_extra.registration_id, device_os: 'android', wallet: 'wallet_passes' }]);
});

t.test('moves updated_at without an event on a venue change', async (t) => {
  const { events } = simulate({ seed: 3, passes: 1, scenario: 'event-ticket-venue-change' });
  const installed = events.find((event) => event.event === 'installed');
  const fetched = events.find((event) => event.event === 'fetched');
  t.ok(Date.parse(fetched?.updated_at ?? '') > Date.parse(installed?.updated_at ?? ''), 'updated_at moved between two webhooks');
});

t.test('makes bursts of fetched after a campaign push', async (t) => {
  const { events, campaigns } = simulate({ seed: 8, passes: 200, scenario: 'campaign-push' });
  const push = campaigns.flatMap((campaign) => campaign.push_times_ms)[0];
  t.ok(push !== undefined, 'the campaign has a push');
  const burst = events.filter(
    (event) => event.event === 'fetched' && Date.parse(event.event_at) >= (push as number) && Date.parse(event.event_at) <= (push as number) + 10 * 60_000,
  );
  t.ok(burst.length >= 50, `${burst.length} fetched within 10 minutes of the push`);
});

t.test('covers every event name, several wallets and both OSes in a mixed run', async (t) => {
  const { events, campaigns } = simulate({ seed: 21, passes: 500 });
  t.same(new Set(events.map((event) => event.event)), new Set(['created', 'downloaded', 'installed', 'fetched', 'redeemed', 'uninstalled']));
  const wallets = new Set(events.map((event) => event.event_extra.device_app_vendor).filter((vendor) => vendor !== undefined));
  t.same([...wallets].sort(), ['google_wallet', 'pass2u', 'passbook', 'passwallet', 'passworks_wallet', 'wallet_passes']);
  t.same(new Set(campaigns.map((campaign) => campaign.type)), new Set(['coupon', 'store_card', 'event_ticket', 'boarding_pass', 'generic']));
  t.ok(campaigns.some((c) => c.multi_redeem) && campaigns.some((c) => !c.multi_redeem));
});

t.test('rejects options it cannot honour, naming them', async (t) => {
  t.throws(() => simulate({ passes: -1 }), { message: /passes/ });
  t.throws(() => simulate({ scenario: 'nope' as 'mixed' }), { message: /scenario/ });
  t.throws(() => simulate({ startAt: 'yesterday' }), { message: /yesterday/ });
});
