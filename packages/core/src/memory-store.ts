import { PassworksWebhookError } from './errors.js';
import type { ClaimResult, IdempotencyStore, StoredOutcome } from './idempotency-store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most keys kept. A new key in a full store evicts the oldest done key
   * (done first, first out); claims in flight are never evicted.
   * @default 100_000
   */
  readonly maxKeys?: number;
  /**
   * How long a done key is remembered: a duplicate arriving later is handled again.
   * @default 604_800_000 (7 days)
   */
  readonly doneTtlMs?: number;
  /** The clock, in epoch milliseconds (tests pass a fake one). @default Date.now */
  readonly now?: () => number;
}

/**
 * One key's state. A claim's entry turns done in place at most once and a
 * done entry never changes again, so the queue of done entries can tell a
 * stale slot (its key since forgotten, or done again) by identity.
 */
interface Entry {
  readonly key: string;
  /** The holder's token while pending; undefined once done. */
  token: string | undefined;
  /** When the lease (pending) or the memory of the key (done) runs out, in epoch ms. */
  expiresAt: number;
  outcome: StoredOutcome | undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new PassworksWebhookError('invalid_config', `${name}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

const DONE: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: 'in_flight' });

/**
 * A bounded in-memory {@link IdempotencyStore} for one process. Its memory is
 * gone on restart: run several instances or need dedupe across restarts, use a
 * durable store (`@passworks-webhooks/sqlite`).
 *
 * Every operation is O(1) with no timer: done keys sit in a queue in the
 * order they were done, which is also the order their TTL runs out (one TTL
 * for all), so the oldest is always at its head, to evict or expire; a lease
 * or a TTL that ran out is noticed when the key is next read.
 * @example const store = createMemoryStore({ maxKeys: 10_000 });
 */
export function createMemoryStore({ maxKeys = 100_000, doneTtlMs = 7 * 24 * 3_600_000, now = Date.now }: MemoryStoreOptions = {}): IdempotencyStore {
  positiveInteger('maxKeys', maxKeys);
  positiveInteger('doneTtlMs', doneTtlMs);
  const entries = new Map<string, Entry>();
  // Done entries, oldest first, from `head` on (a slot whose key was since forgotten or done again is skipped).
  let doneQueue: Entry[] = [];
  let head = 0;
  // Tokens only need to differ within this store (one process): a counter will do.
  let claims = 0;

  /** Takes the oldest slot off the queue, forgetting its key if the slot is still that key's state. */
  const shift = (): void => {
    const oldest = doneQueue[head] as Entry;
    doneQueue[head] = undefined as unknown as Entry;
    head += 1;
    if (entries.get(oldest.key) === oldest) entries.delete(oldest.key);
    // Drop the consumed front now and then: amortised O(1), and the array never holds much more than the live done keys.
    if (head >= 1024 && head * 2 >= doneQueue.length) {
      doneQueue = doneQueue.slice(head);
      head = 0;
    }
  };

  /** Forgets done keys whose TTL ran out (the head is the oldest), then the oldest done keys while the store is full. */
  const makeRoom = (time: number): void => {
    while (head < doneQueue.length && (doneQueue[head] as Entry).expiresAt <= time) shift();
    while (entries.size >= maxKeys && head < doneQueue.length) shift();
  };

  const markDone = (entry: Entry | undefined, key: string, outcome: StoredOutcome | undefined, time: number): void => {
    const kept = outcome === undefined ? undefined : { status: outcome.status, code: outcome.code, message: outcome.message };
    if (entry !== undefined && entry.token !== undefined) {
      // A claim turns done in place: no new object per delivery.
      entry.token = undefined;
      entry.expiresAt = time + doneTtlMs;
      entry.outcome = kept;
      doneQueue.push(entry);
      return;
    }
    if (entry === undefined) makeRoom(time);
    const done: Entry = { key, token: undefined, expiresAt: time + doneTtlMs, outcome: kept };
    entries.set(key, done);
    doneQueue.push(done);
  };

  return {
    claim(key, { leaseMs }): ClaimResult {
      const time = now();
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > time) {
        if (entry.token !== undefined) return IN_FLIGHT;
        return entry.outcome === undefined ? DONE : { status: 'done', outcome: entry.outcome };
      }
      // New, or its lease or TTL ran out: a fresh entry (a done one may still sit in the queue).
      if (entry === undefined) makeRoom(time);
      const token = String(++claims);
      entries.set(key, { key, token, expiresAt: time + leaseMs, outcome: undefined });
      return { status: 'claimed', token };
    },
    renew(key, token, { leaseMs }) {
      const entry = entries.get(key);
      if (entry === undefined || entry.token !== token) return false;
      entry.expiresAt = now() + leaseMs;
      return true;
    },
    complete(key, token, outcome) {
      const time = now();
      const entry = entries.get(key);
      if (entry !== undefined && entry.token !== undefined && entry.token !== token && entry.expiresAt > time) return false;
      markDone(entry, key, outcome, time);
      return true;
    },
    release(key, token) {
      const entry = entries.get(key);
      if (entry === undefined || entry.token !== token) return false;
      entries.delete(key);
      return true;
    },
    close() {
      entries.clear();
      doneQueue = [];
      head = 0;
    },
  };
}
