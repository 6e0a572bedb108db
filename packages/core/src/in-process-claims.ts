import { randomUUID } from 'node:crypto';
import type { ClaimResult } from './idempotency-store.js';

/**
 * Claims held in this process's memory, for a durable store whose handler
 * keeps each event once by itself (`handlerDeduplicates` in
 * `@passworks-webhooks/sqlite` and `@passworks-webhooks/postgres`): a claim
 * is a token and a lease end, never written; the store answers `done` from
 * its own marks first and asks these claims only about keys not done.
 */
export interface InProcessClaims {
  /** Claims `key` for `leaseMs`: `claimed` with a new token, or `in_flight` while this process holds it with a lease not run out. */
  claim(key: string, leaseMs: number): ClaimResult;
  /** Extends the lease `token` holds on `key`; false when it holds none (released, or taken over after it ran out). */
  renew(key: string, token: string, leaseMs: number): boolean;
  /** Lets go of `key` when `token` holds it; whether it did. */
  release(key: string, token: string): boolean;
  /** Whether `token` holds `key`. */
  holds(key: string, token: string): boolean;
}

/**
 * The in-process claims of one store, on its clock (epoch ms).
 * @example const claims = createInProcessClaims(Date.now); claims.claim('key', 60_000)
 */
export function createInProcessClaims(now: () => number): InProcessClaims {
  const held = new Map<string, { readonly token: string; expiresAt: number }>();
  const holds = (key: string, token: string): boolean => held.get(key)?.token === token;
  return {
    claim(key, leaseMs) {
      const time = now();
      if ((held.get(key)?.expiresAt ?? 0) > time) return { status: 'in_flight' };
      const token = randomUUID();
      held.set(key, { token, expiresAt: time + leaseMs });
      return { status: 'claimed', token };
    },
    renew(key, token, leaseMs) {
      const hold = held.get(key);
      if (hold?.token !== token) return false;
      hold.expiresAt = now() + leaseMs;
      return true;
    },
    release(key, token) {
      if (!holds(key, token)) return false;
      held.delete(key);
      return true;
    },
    holds,
  };
}
