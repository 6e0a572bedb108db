/** The answer to a claim. */
export type ClaimResult =
  /** The caller holds the key until it completes or releases it, or until the lease runs out. */
  | { readonly status: 'claimed'; readonly token: string }
  /** Another holder has the key and its lease has not run out. */
  | { readonly status: 'in_flight' }
  /** The key was handled already (and its TTL has not run out). */
  | { readonly status: 'done' };

/** Options of {@link IdempotencyStore.claim}. */
export interface ClaimOptions {
  /** How long the claim holds if its holder never completes or releases it (a crashed process). */
  readonly leaseMs: number;
}

/**
 * Where the pipeline records which events are in flight and which are done.
 * Every implementation passes the conformance suite of
 * `@passworks-webhooks/core/testing`. Methods may answer synchronously (an
 * in-process store) or with a promise (a database); the pipeline only waits
 * for promises. Nothing may assume a single process:
 * a claim must be atomic across every process sharing the store.
 */
export interface IdempotencyStore {
  /** Atomically claims `key` unless it is done or held by a live claim. */
  claim(key: string, options: ClaimOptions): ClaimResult | Promise<ClaimResult>;
  /**
   * Marks `key` done (kept for the store's TTL). Resolves false, changing
   * nothing, when another claim (taken after this one's lease ran out) holds it.
   */
  complete(key: string, token: string): boolean | Promise<boolean>;
  /** Drops the claim so a retry can take it. Resolves false when `token` no longer holds `key`. */
  release(key: string, token: string): boolean | Promise<boolean>;
  /** Frees the store's resources. */
  close?(): Promise<void> | void;
}
