import type { IdempotencyStore } from '@passworks-webhooks/core';

/** The most keys remembered as committed by this process and not completed yet. */
const MAX_COMMITTED = 10_000;

/** A store whose `complete` skips the database for keys this process just committed ({@link committedKeys}). */
export interface CommittedKeys<S extends IdempotencyStore> {
  readonly store: S;
  /** The event row of `key` is committed (stored, or found stored): its complete needs no read. Call after the commit. */
  committed(key: string): void;
}

/**
 * The receiver's record transaction is the done mark (`handledBy`), so a
 * key whose row this process just committed is done: its complete lets the
 * claim go in memory instead of reading the events table again. Any other
 * complete (a refusal's outcome, a key not recorded here) goes to the store.
 * Bounded for callers that record without completing: the oldest key left then costs its complete one read.
 */
export function committedKeys<S extends IdempotencyStore>(store: S): CommittedKeys<S> {
  const keys = new Set<string>();
  return {
    store: {
      ...store,
      async complete(key, token, outcome) {
        if (outcome !== undefined || !keys.delete(key)) return store.complete(key, token, outcome);
        await store.release(key, token);
        return true;
      },
      release(key, token) {
        keys.delete(key);
        return store.release(key, token);
      },
    },
    committed(key) {
      keys.add(key);
      if (keys.size > MAX_COMMITTED) keys.delete(keys.values().next().value as string);
    },
  };
}
