/**
 * The answer a key was finished with when it was not a success: a handler
 * refused the event for good (`event_refused`, a 4xx). Stored with the key,
 * so every retry gets the same answer without the handlers running again.
 */
export interface StoredOutcome {
  /** The HTTP status answered, a 4xx. */
  readonly status: number;
  /** The error code answered (`event_refused`). */
  readonly code: string;
  /** The message answered: what the handler said, never a cause's text. */
  readonly message: string;
}

/** The answer to a claim. */
export type ClaimResult =
  /** The caller holds the key until it completes or releases it, or until the lease runs out (renew it to keep it). */
  | { readonly status: 'claimed'; readonly token: string }
  /** Another holder has the key and its lease has not run out. */
  | { readonly status: 'in_flight' }
  /**
   * The key was finished already (and its TTL has not run out): handled, or
   * refused with the stored `outcome` (absent after a success).
   */
  | { readonly status: 'done'; readonly outcome?: StoredOutcome };

/** Options of {@link IdempotencyStore.claim} and {@link IdempotencyStore.renew}. */
export interface ClaimOptions {
  /** How long the claim holds from now if its holder never completes, releases or renews it (a crashed process). */
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
   * Extends the claim `token` holds on `key` to `leaseMs` from now, so no
   * other delivery takes it over while a slow handler is still running.
   * Resolves false, changing nothing, when `token` no longer holds `key`
   * (another claim took it after the lease ran out, or it was completed or
   * released); a lease that ran out with nobody taking it is still held.
   */
  renew(key: string, token: string, options: ClaimOptions): boolean | Promise<boolean>;
  /**
   * Marks `key` done (kept for the store's TTL), with the `outcome` to
   * answer every later claim with when the event was refused. Resolves
   * false, changing nothing, when another claim (taken after this one's
   * lease ran out) holds it.
   */
  complete(key: string, token: string, outcome?: StoredOutcome): boolean | Promise<boolean>;
  /** Drops the claim so a retry can take it. Resolves false when `token` no longer holds `key`. */
  release(key: string, token: string): boolean | Promise<boolean>;
  /** Frees the store's resources. */
  close?(): Promise<void> | void;
}
