import type { PassEvent } from '@passworks-webhooks/core';
import { createRandom, type Random, type Seed } from '../random/create-random.js';
import { formatInstant, parseInstant, type InstantSpelling } from '../simulator/timestamps.js';

/**
 * What one delivery is: the valid event, a copy of it, or a faulty version
 * a receiver must reject (4xx) and the sender must not retry.
 */
export const DELIVERY_KINDS = ['valid', 'duplicate', 'invalid_json', 'invalid_schema', 'wrong_key', 'missing_key', 'oversized'] as const;

/** One of {@link DELIVERY_KINDS}. */
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

/** Whether a kind is a faulty version (expected to be rejected with a 4xx). */
export const isFaultyKind = (kind: DeliveryKind): boolean => kind !== 'valid' && kind !== 'duplicate';

/** Fault injection ratios, each in [0, 1], per event. */
export interface FaultOptions {
  /** Share of events delivered twice. @default 0 */
  readonly duplicates?: number;
  /** Share of those duplicates sent at the same moment as the first copy (the rest come later). @default 0.5 */
  readonly concurrentDuplicates?: number;
  /** Share of events delivered after the next event of the same pass. @default 0 */
  readonly reorder?: number;
  /** Share of events first sent with a broken body (malformed JSON or schema-invalid), then valid. @default 0 */
  readonly invalid?: number;
  /** Share of events first sent with a wrong or missing key, then with the right one. @default 0 */
  readonly badAuth?: number;
  /** Share of events first sent padded past `oversizedBytes`, then as they are. @default 0 */
  readonly oversized?: number;
  /** Share of deliveries whose `event_at` is spelt `...06.000Z` or `...06.000+00:00` instead of `...06Z`. @default 0 */
  readonly spellings?: number;
  /** The size of an oversized body, in bytes (past 1 MiB, above common limits). @default 1_100_000 */
  readonly oversizedBytes?: number;
}

/** One planned delivery. `body` is the exact bytes sent; it is not written to reports. */
export interface PlannedDelivery {
  readonly id: number;
  readonly kind: DeliveryKind;
  readonly pass_id: string;
  readonly event: string;
  /** The `event_at` as spelt in this body. */
  readonly event_at: string;
  readonly body: Buffer;
  /** Which key the `Authorization` header carries. */
  readonly auth: 'key' | 'wrong' | 'missing';
}

/** Deliveries sent together: usually one, or a delivery and its concurrent duplicate. */
export type DeliveryGroup = readonly PlannedDelivery[];

function ratio(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new RangeError(`${name}: expected a ratio between 0 and 1, got ${String(value)}`);
  return value;
}

const ALTERNATE_SPELLINGS: readonly InstantSpelling[] = ['milliseconds', 'offset'];

/** Ways to make a valid event schema-invalid, each a single, clearly wrong field. */
const BREAKAGES: readonly ((event: Record<string, unknown>) => void)[] = [
  (event) => void (event['redeemed_count'] = -1),
  (event) => void (event['pass_id'] = 'not-a-uuid'),
  (event) => void delete event['event_at'],
  (event) => void (event['voided'] = 'no'),
  (event) => void (event['metadata'] = 'utm_source=sms'),
];

function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * Turns an event stream into the deliveries a faulty real platform makes:
 * reordering within a pass, duplicates (some concurrent), broken versions
 * before the valid one, other `event_at` spellings. Seeded: the same seed
 * and events give the same plan. Every event is delivered validly at least once.
 * @example
 * const groups = planDeliveries(simulation.events, { duplicates: 0.1, reorder: 0.1 }, 7);
 */
export function planDeliveries(events: readonly PassEvent[], faults: FaultOptions = {}, seed: Seed = 1): DeliveryGroup[] {
  const duplicates = ratio('duplicates', faults.duplicates ?? 0);
  const concurrent = ratio('concurrentDuplicates', faults.concurrentDuplicates ?? 0.5);
  const reorder = ratio('reorder', faults.reorder ?? 0);
  const invalid = ratio('invalid', faults.invalid ?? 0);
  const badAuth = ratio('badAuth', faults.badAuth ?? 0);
  const oversized = ratio('oversized', faults.oversized ?? 0);
  const spellings = ratio('spellings', faults.spellings ?? 0);
  const oversizedBytes = faults.oversizedBytes ?? 1_100_000;
  if (!Number.isInteger(oversizedBytes) || oversizedBytes < 1024)
    throw new RangeError(`oversizedBytes: expected an integer >= 1024, got ${String(oversizedBytes)}`);
  const random: Random = createRandom(`plan:${String(seed)}`);

  // Reordering: an event moves to just after the next event of its pass (which then stays put).
  const position = events.map((_, index) => index);
  const nextOfPass = new Map<number, number>();
  const lastIndex = new Map<string, number>();
  events.forEach((event, index) => {
    const previous = lastIndex.get(event.pass_id);
    if (previous !== undefined) nextOfPass.set(previous, index);
    lastIndex.set(event.pass_id, index);
  });
  const pinned = new Set<number>();
  events.forEach((_, index) => {
    const next = nextOfPass.get(index);
    if (next === undefined || pinned.has(index) || !random.chance(reorder)) return;
    position[index] = next + 0.5;
    pinned.add(next);
  });
  const order = events.map((_, index) => index).sort((a, b) => (position[a] as number) - (position[b] as number));

  let nextId = 0;
  const slots: { readonly at: number; readonly seq: number; readonly group: DeliveryGroup }[] = [];
  const add = (at: number, group: DeliveryGroup): void => void slots.push({ at, seq: slots.length, group });
  const make = (event: PassEvent, kind: DeliveryKind, body: Buffer, auth: PlannedDelivery['auth'], eventAt = event.event_at): PlannedDelivery => ({
    id: nextId++,
    kind,
    pass_id: event.pass_id,
    event: event.event,
    event_at: eventAt,
    body,
    auth,
  });
  const spelt = (event: PassEvent): PassEvent =>
    random.chance(spellings) ? { ...event, event_at: formatInstant(parseInstant(event.event_at), random.pick(ALTERNATE_SPELLINGS)) } : event;

  order.forEach((index, at) => {
    const event = events[index] as PassEvent;
    if (random.chance(badAuth)) {
      const wrong = random.chance(0.5);
      add(at, [make(event, wrong ? 'wrong_key' : 'missing_key', encode(event), wrong ? 'wrong' : 'missing')]);
    }
    if (random.chance(invalid)) {
      if (random.chance(0.5)) {
        const text = JSON.stringify(event);
        add(at, [make(event, 'invalid_json', Buffer.from(text.slice(0, random.int(1, text.length - 1)), 'utf8'), 'key')]);
      } else {
        const broken: Record<string, unknown> = { ...event };
        random.pick(BREAKAGES)(broken);
        add(at, [make(event, 'invalid_schema', encode(broken), 'key')]);
      }
    }
    if (random.chance(oversized)) {
      const base = encode(event).length;
      const padded = { ...event, metadata: { ...event.metadata, padding: 'x'.repeat(Math.max(0, oversizedBytes - base - 16)) } };
      add(at, [make(event, 'oversized', encode(padded), 'key')]);
    }
    const first = spelt(event);
    const valid = make(event, 'valid', encode(first), 'key', first.event_at);
    if (!random.chance(duplicates)) return add(at, [valid]);
    const second = spelt(event);
    const copy = make(event, 'duplicate', encode(second), 'key', second.event_at);
    if (random.chance(concurrent)) return add(at, [valid, copy]);
    add(at, [valid]);
    // A later copy, as after a timeout on the sender's side.
    add(at + random.int(1, 40) + 0.5, [copy]);
  });
  slots.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return slots.map((slot) => slot.group);
}
