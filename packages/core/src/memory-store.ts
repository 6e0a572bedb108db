import { PassworksWebhookError } from './errors.js';
import { DoneKeys } from './done-keys.js';
import type { ClaimResult, IdempotencyStore } from './idempotency-store.js';

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

/** A claim in flight: its holder's token and when its lease runs out, in epoch ms. */
interface Claim {
  readonly token: string;
  expiresAt: number;
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
 * Every operation is O(1) with no timer: claims in flight sit in a map of
 * their own, done keys in a ring of slots (`done-keys.ts`) in the order they were done,
 * which is also the order their TTL runs out (one TTL for all), so the
 * oldest is always at its head, to evict or expire; a lease or a TTL that
 * ran out is noticed when the key is next read. A done key costs its string,
 * a map slot and a ring slot, no object of its own.
 * @example const store = createMemoryStore({ maxKeys: 10_000 });
 */
export function createMemoryStore({ maxKeys = 100_000, doneTtlMs = 7 * 24 * 3_600_000, now = Date.now }: MemoryStoreOptions = {}): IdempotencyStore {
  positiveInteger('maxKeys', maxKeys);
  positiveInteger('doneTtlMs', doneTtlMs);
  const claims = new Map<string, Claim>();
  const done = new DoneKeys();
  // Tokens only need to differ within this store (one process): a counter will do.
  let claimCount = 0;

  /** Before a new key: forgets the done keys whose TTL ran out (the oldest first), then the oldest done keys while the store is full. */
  const makeRoom = (time: number): void => {
    while (done.dropOldestIfExpired(time));
    while (claims.size + done.size >= maxKeys && done.dropOldest());
  };

  return {
    claim(key, { leaseMs }): ClaimResult {
      const time = now();
      const held = claims.get(key);
      if (held !== undefined) {
        if (held.expiresAt > time) return IN_FLIGHT;
      } else {
        const slot = done.slotOf(key);
        if (slot === -1) makeRoom(time);
        else if (done.expiresAt(slot) > time) {
          const outcome = done.outcomeAt(slot);
          return outcome === undefined ? DONE : { status: 'done', outcome };
        } else done.delete(key);
      }
      // New, or its lease or TTL ran out.
      const token = String(++claimCount);
      claims.set(key, { token, expiresAt: time + leaseMs });
      return { status: 'claimed', token };
    },
    renew(key, token, { leaseMs }) {
      const held = claims.get(key);
      if (held === undefined || held.token !== token) return false;
      held.expiresAt = now() + leaseMs;
      return true;
    },
    complete(key, token, outcome) {
      const time = now();
      const held = claims.get(key);
      if (held !== undefined) {
        if (held.token !== token && held.expiresAt > time) return false;
        claims.delete(key);
      } else if (done.slotOf(key) !== -1) done.delete(key);
      else makeRoom(time);
      const kept = outcome === undefined ? undefined : { status: outcome.status, code: outcome.code, message: outcome.message };
      done.add(key, time + doneTtlMs, kept);
      return true;
    },
    release(key, token) {
      const held = claims.get(key);
      if (held === undefined || held.token !== token) return false;
      claims.delete(key);
      return true;
    },
    close() {
      claims.clear();
      done.clear();
    },
  };
}
