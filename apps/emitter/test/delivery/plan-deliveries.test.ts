import t from 'tap';
import { normaliseInstant, type PassEvent } from '@passworks-webhooks/core';
import { planDeliveries, type PlannedDelivery } from '../../src/delivery/index.js';
import { simulate } from '../../src/simulator/index.js';

const events = simulate({ seed: 3, passes: 1200 }).events;
const flat = (groups: readonly (readonly PlannedDelivery[])[]): PlannedDelivery[] => groups.flat();
const keyOf = (d: { pass_id: string; event: string; event_at: string }): string => `${d.pass_id}:${d.event}:${normaliseInstant(d.event_at)}`;

t.test('delivers every event validly exactly once when there are no faults, in order', async (t) => {
  const deliveries = flat(planDeliveries(events));
  t.equal(deliveries.length, events.length);
  t.ok(deliveries.every((d, i) => d.kind === 'valid' && d.auth === 'key' && d.body.toString() === JSON.stringify(events[i])));
});

t.test('plans the same deliveries for the same seed', async (t) => {
  const faults = { duplicates: 0.1, reorder: 0.1, invalid: 0.05, badAuth: 0.05, spellings: 0.2 };
  const a = flat(planDeliveries(events, faults, 9)).map((d) => `${d.kind}:${d.body.toString('base64')}`);
  const b = flat(planDeliveries(events, faults, 9)).map((d) => `${d.kind}:${d.body.toString('base64')}`);
  t.same(a, b);
  t.not(
    a.join(),
    flat(planDeliveries(events, faults, 10))
      .map((d) => `${d.kind}:${d.body.toString('base64')}`)
      .join(),
  );
});

t.test('honours fault ratios roughly and still delivers each event validly once', async (t) => {
  const deliveries = flat(planDeliveries(events, { duplicates: 0.1, invalid: 0.04, badAuth: 0.02, oversized: 0.01, spellings: 0.3, oversizedBytes: 4096 }, 5));
  const count = (kinds: readonly string[]): number => deliveries.filter((d) => kinds.includes(d.kind)).length;
  const near = (actual: number, ratio: number, label: string): void => {
    const expected = events.length * ratio;
    t.ok(Math.abs(actual - expected) < expected * 0.25 + 5, `${label}: ${actual} for ~${Math.round(expected)}`);
  };
  t.equal(count(['valid']), events.length);
  t.same(new Set(deliveries.filter((d) => d.kind === 'valid').map(keyOf)), new Set(events.map(keyOf)));
  near(count(['duplicate']), 0.1, 'duplicates');
  near(count(['invalid_json', 'invalid_schema']), 0.04, 'invalid');
  near(count(['wrong_key', 'missing_key']), 0.02, 'bad auth');
  near(count(['oversized']), 0.01, 'oversized');
  const valid = deliveries.filter((d) => d.kind === 'valid' || d.kind === 'duplicate');
  near(valid.filter((d) => d.event_at.includes('.')).length, 0.3 * 1.1, 'other spellings');
  t.ok(deliveries.filter((d) => d.kind === 'oversized').every((d) => d.body.length >= 4096 - 20));
});

t.test('sends a faulty version before the valid one, with the fault it names', async (t) => {
  const deliveries = flat(planDeliveries(events, { invalid: 0.1, badAuth: 0.1 }, 2));
  const validAt = new Map(deliveries.flatMap((d, index) => (d.kind === 'valid' ? [[keyOf(d), index] as const] : [])));
  const problems: string[] = [];
  const faulty = deliveries.filter((d) => d.kind !== 'valid');
  for (const d of faulty) {
    if ((validAt.get(keyOf(d)) ?? -1) < deliveries.indexOf(d)) problems.push(`${d.kind} #${d.id} comes after its valid version`);
    if (d.kind === 'wrong_key' && d.auth !== 'wrong') problems.push(`#${d.id} wrong_key sends ${d.auth}`);
    if (d.kind === 'missing_key' && d.auth !== 'missing') problems.push(`#${d.id} missing_key sends ${d.auth}`);
    if (
      d.kind === 'invalid_json' &&
      (() => {
        try {
          JSON.parse(d.body.toString());
          return true;
        } catch {
          return false;
        }
      })()
    )
      problems.push(`#${d.id} invalid_json parses`);
  }
  t.same(problems, []);
  t.ok(faulty.length > 100, `${faulty.length} faulty deliveries checked`);
});

t.test('reorders only within a pass, about the given share', async (t) => {
  const deliveries = flat(planDeliveries(events, { reorder: 0.1 }, 4));
  const seen = new Map<string, PassEvent['event_at'][]>();
  let inversions = 0;
  for (const d of deliveries) {
    const list = seen.get(d.pass_id) ?? [];
    if (list.some((at) => Date.parse(at) > Date.parse(d.event_at))) inversions++;
    list.push(d.event_at);
    seen.set(d.pass_id, list);
  }
  const candidates = events.length - new Set(events.map((e) => e.pass_id)).size;
  t.ok(inversions > candidates * 0.06 && inversions < candidates * 0.13, `${inversions} of ${candidates} events arrive after a later one of their pass`);
});

t.test('sends some duplicates in the same group as the original (concurrently)', async (t) => {
  const groups = planDeliveries(events, { duplicates: 0.2, concurrentDuplicates: 0.5 }, 6);
  const together = groups.filter((g) => g.length === 2);
  t.ok(together.length > 0 && together.every((g) => g[0]?.kind === 'valid' && g[1]?.kind === 'duplicate' && keyOf(g[0]) === keyOf(g[1])));
  const alone = groups.filter((g) => g.length === 1 && g[0]?.kind === 'duplicate').length;
  t.ok(Math.abs(together.length - alone) < (together.length + alone) * 0.25, `${together.length} concurrent, ${alone} later`);
});

t.test('rejects a ratio outside [0, 1], naming it', async (t) => {
  t.throws(() => planDeliveries(events, { duplicates: 1.5 }), { message: /duplicates/ });
  t.throws(() => planDeliveries(events, { badAuth: -0.1 }), { message: /badAuth/ });
});
