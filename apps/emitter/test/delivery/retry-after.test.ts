/** retryAfterMs: both forms of Retry-After (RFC 9110 §10.2.3), as deliver and listen read it. */
import t from 'tap';
import { retryAfterMs } from '../../src/delivery/backoff.js';

t.test('delay-seconds, an HTTP date, and 0 for absent, past or unreadable', (t) => {
  const now = Date.parse('2026-12-07T01:00:00Z');
  t.equal(retryAfterMs('7', now), 7000);
  t.equal(retryAfterMs(' 2 ', now), 2000);
  t.equal(retryAfterMs('Mon, 07 Dec 2026 01:00:30 GMT', now), 30_000);
  t.equal(retryAfterMs('Mon, 07 Dec 2026 00:59:00 GMT', now), 0, 'a past date');
  t.equal(retryAfterMs(undefined, now), 0);
  t.equal(retryAfterMs('', now), 0);
  t.equal(retryAfterMs('-5', now), 0);
  t.equal(retryAfterMs('soon', now), 0);
  t.end();
});
