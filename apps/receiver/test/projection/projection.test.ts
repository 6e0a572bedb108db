import t from 'tap';
import fc from 'fast-check';
import { projectPass } from '@passworks-webhooks/receiver';
import { couponSteps, deliver, lifecycle, loyaltySteps, testApp } from '../helpers.js';

const coupon = lifecycle(couponSteps('reg-1'), { singleUse: true });
const loyalty = lifecycle(loyaltySteps('reg-1', 'reg-2'));
// Sequence 5: an Android wallet app, reinstalled as a new registration.
const android = lifecycle([
  { event: 'created' },
  { event: 'downloaded' },
  { event: 'installed', registration: 'reg-a', os: 'android', wallet: 'wallet_passes' },
  { event: 'fetched', registration: 'reg-a', os: 'android', wallet: 'wallet_passes' },
  { event: 'uninstalled', registration: 'reg-a', os: 'android', wallet: 'wallet_passes' },
  { event: 'installed', registration: 'reg-b', os: 'android', wallet: 'wallet_passes' },
]);

t.test('projectPass gives one state for every order of a pass’s events', async (t) => {
  for (const [name, events] of [
    ['coupon', coupon],
    ['loyalty', loyalty],
    ['android', android],
  ] as const) {
    const expected = projectPass(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (order) => {
        t.same(projectPass(order), expected);
        return true;
      }),
      { numRuns: 200, seed: 4 },
    );
    t.pass(`${name}: 200 orders`);
  }
  t.match(projectPass(android), { installed_devices: 1, last_event: 'installed' });
});

t.test('the stored projection is the same for every arrival order, duplicates included', async (t) => {
  const inOrder = testApp(t);
  for (const event of loyalty) await deliver(inOrder.http, event);
  const expected = inOrder.app.db.prepare('SELECT * FROM passes').get();
  t.match(expected, { redeemed_count: 3, installed_devices: 1, event_count: 10, last_event: 'uninstalled' });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.shuffledSubarray(loyalty, { minLength: loyalty.length, maxLength: loyalty.length }),
      fc.array(fc.nat(loyalty.length - 1), { maxLength: 3 }),
      async (order, duplicated) => {
        run += 1;
        const { app, http } = testApp(t, { databasePath: `${t.testdir()}/perm-${run}.db` });
        const deliveries = [...order, ...duplicated.map((i) => loyalty[i] as (typeof loyalty)[number])];
        for (const event of deliveries) {
          const res = await deliver(http, event);
          if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
        }
        const state = app.db.prepare('SELECT * FROM passes').get() as Record<string, unknown>;
        await app.close();
        t.same({ ...state, last_received_at: 0 }, { ...(expected as Record<string, unknown>), last_received_at: 0 });
        return true;
      },
    ),
    { numRuns: 40, seed: 7 },
  );
});

t.test('the single-use coupon ends voided with one redeem and no live device, in any order', async (t) => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(coupon, { minLength: coupon.length, maxLength: coupon.length }), async (order) => {
      run += 1;
      const { app, http } = testApp(t, { databasePath: `${t.testdir()}/coupon-${run}.db` });
      await Promise.all(order.map((event) => deliver(http, event)));
      const state = app.db.prepare('SELECT voided, redeemed_count, installed_devices, last_event, event_count FROM passes').get();
      await app.close();
      t.same(state, { voided: 1, redeemed_count: 1, installed_devices: 0, last_event: 'uninstalled', event_count: 8 });
      return true;
    }),
    { numRuns: 20, seed: 11 },
  );
});
