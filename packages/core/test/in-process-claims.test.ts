import t from 'tap';
import { createInProcessClaims } from '@passworks-webhooks/core';

t.test('a claim holds its key until its lease runs out; a renewal extends it; only its token releases it', async (t) => {
  let now = 1_000;
  const claims = createInProcessClaims(() => now);
  const first = claims.claim('k', 100);
  t.equal(first.status, 'claimed');
  const token = first.status === 'claimed' ? first.token : '';
  t.same(claims.claim('k', 100), { status: 'in_flight' }, 'held while the lease runs');
  t.equal(claims.holds('k', token), true);
  now = 1_099;
  t.equal(claims.renew('k', token, 100), true, 'renewed to 1_199');
  now = 1_150;
  t.same(claims.claim('k', 100), { status: 'in_flight' }, 'the renewal kept it');
  t.equal(claims.renew('k', 'other', 100), false, 'another token renews nothing');
  t.equal(claims.release('k', 'other'), false, 'another token releases nothing');
  t.equal(claims.release('k', token), true);
  t.equal(claims.release('k', token), false, 'released once');
  t.equal(claims.holds('k', token), false);
  const again = claims.claim('k', 100);
  t.equal(again.status, 'claimed', 'claimed again after its release');
  now = 1_300;
  const taken = claims.claim('k', 100);
  t.equal(taken.status, 'claimed', 'taken over once the lease ran out');
  t.not(taken.status === 'claimed' && taken.token, again.status === 'claimed' && again.token, 'with a new token');
  t.equal(claims.renew('k', again.status === 'claimed' ? again.token : '', 100), false, 'the old holder renews nothing');
  t.same(claims.claim('other-key', 100).status, 'claimed', 'keys are independent');
});
