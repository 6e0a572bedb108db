import type { DeliveryKind } from '../delivery/plan-deliveries.js';

/** One attempt of a delivery: when, how long, and what came back. */
export interface AttemptRecord {
  /** Start, in ms since the run started. */
  readonly started_ms: number;
  readonly duration_ms: number;
  /** The HTTP status, or null when nothing came back. */
  readonly status: number | null;
  /** `timeout` or `network` when nothing came back. */
  readonly error?: 'timeout' | 'network';
  /** The error code of an error document (`{ error: { code } }`), if any. */
  readonly code?: string;
  /** The `duplicate` flag of a 2xx JSON answer, if any. */
  readonly duplicate?: boolean;
  /** The start of the answer body for non-2xx answers (the API key is redacted). */
  readonly answer?: string;
}

/**
 * What a delivery came to: `accepted` (2xx), `duplicate` (2xx marked
 * duplicate), `rejected` (a final 4xx), `failed` (a 5xx or no answer after
 * the last retry).
 */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'rejected' | 'failed';

/** One delivery of the run, with every attempt. */
export interface DeliveryRecord {
  readonly id: number;
  readonly kind: DeliveryKind;
  readonly pass_id: string;
  readonly event: string;
  readonly event_at: string;
  /** `accepted` for valid deliveries and duplicates, `rejected` (a 4xx) for faulty ones. */
  readonly expected: 'accepted' | 'rejected';
  readonly attempts: readonly AttemptRecord[];
  readonly outcome: DeliveryOutcome;
  /** Whether the endpoint did what a correct receiver does: accept valid events, never accept faulty ones. */
  readonly ok: boolean;
}
