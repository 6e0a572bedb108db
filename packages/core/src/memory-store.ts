import { PassworksWebhookError } from './errors.js';
import type { ClaimResult, IdempotencyStore, StoredOutcome } from './idempotency-store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most keys kept. When full, the oldest tenth of the expired or done
   * keys is evicted at once (expired or done keys, oldest first); claims in
   * flight are never evicted.
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

type Entry =
  | { readonly state: 'pending'; readonly token: string; readonly expiresAt: number }
  | { readonly state: 'done'; readonly expiresAt: number; readonly outcome: StoredOutcome | undefined };

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new PassworksWebhookError('invalid_config', `${name}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * A bounded in-memory {@link IdempotencyStore} for one process. Its memory is
 * gone on restart: run several instances or need dedupe across restarts, use a
 * durable store (`@passworks-webhooks/sqlite`).
 * @example const store = createMemoryStore({ maxKeys: 10_000 });
 */
export function createMemoryStore({ maxKeys = 100_000, doneTtlMs = 7 * 24 * 3_600_000, now = Date.now }: MemoryStoreOptions = {}): IdempotencyStore {
  positiveInteger('maxKeys', maxKeys);
  positiveInteger('doneTtlMs', doneTtlMs);
  // Map order is insertion order: the first entries were claimed first.
  const entries = new Map<string, Entry>();
  // Tokens only need to differ within this store (one process): a counter will do.
  let claims = 0;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined || entry.expiresAt > now()) return entry;
    entries.delete(key);
    return undefined;
  };

  // When full, a tenth of the keys go at once: a Map walks over the holes its
  // deletions left, so evicting one key per insert would rescan them every time.
  const evictTo = maxKeys - Math.max(1, Math.floor(maxKeys / 10));
  const makeRoom = (): void => {
    if (entries.size < maxKeys) return;
    const time = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= time || entry.state === 'done') {
        entries.delete(key);
        if (entries.size <= evictTo) return;
      }
    }
  };


  return {
    claim(key, { leaseMs }): ClaimResult {
      const entry = live(key);
      if (entry?.state === 'done') return entry.outcome === undefined ? { status: 'done' } : { status: 'done', outcome: entry.outcome };
      if (entry?.state === 'pending') return { status: 'in_flight' };
      const token = String(++claims);
      makeRoom();
      entries.set(key, { state: 'pending', token, expiresAt: now() + leaseMs });
      return { status: 'claimed', token };
    },
    renew(key, token, { leaseMs }) {
      const entry = entries.get(key);
      if (entry?.state !== 'pending' || entry.token !== token) return false;
      entries.set(key, { state: 'pending', token, expiresAt: now() + leaseMs });
      return true;
    },
    complete(key, token, outcome) {
      const entry = entries.get(key);
      if (entry?.state === 'pending' && entry.token !== token && entry.expiresAt > now()) return false;
      // A key already there keeps its place (its claim time): close enough to
      // completion order for eviction, and no delete and re-insert per delivery.
      if (entry === undefined) makeRoom();
      entries.set(key, { state: 'done', expiresAt: now() + doneTtlMs, outcome: outcome === undefined ? undefined : { status: outcome.status, code: outcome.code, message: outcome.message } });
      return true;
    },
    release(key, token) {
      const entry = entries.get(key);
      if (entry?.state !== 'pending' || entry.token !== token) return false;
      entries.delete(key);
      return true;
    },
    close() {
      entries.clear();
    },
  };
}
