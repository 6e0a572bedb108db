/** The terminal and --json lines of an event. */
import t from 'tap';
import { eventJsonLine, eventLine } from '../../src/listen/event-line.js';

const at = new Date('2026-12-07T01:02:03.456Z');
const base = { id: 42, event: 'redeemed', passId: '6f1c0d2e-0000-4000-8000-000000000001', at };

t.test('the terminal line of a tail, a relayed event, a refused attempt and an unreachable app', (t) => {
  t.equal(eventLine(base), '2026-12-07 01:02:03  --> redeemed  pass 6f1c0d2e-0000-4000-8000-000000000001  #42\n');
  t.equal(eventLine({ ...base, status: 200, ms: 12 }), '2026-12-07 01:02:03  --> redeemed  pass 6f1c0d2e-0000-4000-8000-000000000001  #42  <-- [200] 12 ms\n');
  t.equal(
    eventLine({ ...base, status: 503, ms: 3, retryInMs: 1000 }),
    '2026-12-07 01:02:03  --> redeemed  pass 6f1c0d2e-0000-4000-8000-000000000001  #42  <-- [503] 3 ms  (retry in 1.0 s)\n',
  );
  t.equal(eventLine({ ...base, status: 204 }), '2026-12-07 01:02:03  --> redeemed  pass 6f1c0d2e-0000-4000-8000-000000000001  #42  <-- [204] 0 ms\n');
  t.equal(
    eventLine({ ...base, error: 'ECONNREFUSED', retryInMs: 2500 }),
    '2026-12-07 01:02:03  --> redeemed  pass 6f1c0d2e-0000-4000-8000-000000000001  #42  <-- [ERR] ECONNREFUSED  (retry in 2.5 s)\n',
  );
  t.end();
});

t.test('the --json line, with null for what did not happen', (t) => {
  t.same(JSON.parse(eventJsonLine(base)), {
    time: '2026-12-07T01:02:03.456Z',
    id: 42,
    event: 'redeemed',
    pass_id: base.passId,
    status: null,
    ms: null,
    error: null,
    retry_in_ms: null,
  });
  t.same(JSON.parse(eventJsonLine({ ...base, status: 503, ms: 3, retryInMs: 1000 })), {
    time: '2026-12-07T01:02:03.456Z',
    id: 42,
    event: 'redeemed',
    pass_id: base.passId,
    status: 503,
    ms: 3,
    error: null,
    retry_in_ms: 1000,
  });
  t.match(eventJsonLine(base), /\n$/);
  t.end();
});
