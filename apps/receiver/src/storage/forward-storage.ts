import type { EventFilters } from './event-filters.js';
import type { AttemptOutcome, DeliveryAttemptRow, ForwardStats, OutboxRow, ReplayFilter, ReplayRow } from './outbox-rows.js';

export {
  ATTEMPT_OUTCOMES,
  type AttemptOutcome,
  type DeliveryAttemptRow,
  type ForwardStats,
  type OutboxRow,
  type ReplayFilter,
  type ReplayRow,
} from './outbox-rows.js';

/** One event claimed for a delivery attempt (leased to this forwarder until `leaseUntil`). */
export interface OutboxItem {
  readonly eventId: number;
  readonly passId: string;
  /** The exact bytes received; undefined when the event was pruned since it was queued. */
  readonly raw: Buffer | undefined;
  /** Attempts made, this one included. */
  readonly attempt: number;
  /** When the event was (re)queued, epoch ms: the start of its maximum age. */
  readonly queuedAt: number;
  readonly replayId: number | null;
}

/** An event a claim dead-lettered instead of leasing it: its attempts were used up, or it was failing past its maximum age. */
export interface DeadLettered {
  readonly eventId: number;
  /** Attempts made (sent, or leased and never recorded). */
  readonly attempts: number;
  readonly reason: 'attempts' | 'age';
}

/** What one claim came to. */
export interface Claimed {
  /** Events leased for an attempt, oldest due first. */
  readonly items: OutboxItem[];
  readonly deadLettered: DeadLettered[];
}

/** What a claim is asked for. */
export interface ClaimInput {
  /** The caller's clock, epoch ms: what is due (`next_attempt_at`) and how old an event is (`queued_at`) are on it. */
  readonly now: number;
  readonly limit: number;
  readonly leaseMs: number;
  readonly token: string;
  /** An event with this many attempts made is dead-lettered, not leased again. */
  readonly maxAttempts: number;
  /** An event attempted at least once and queued this long ago is dead-lettered, not leased again. */
  readonly maxAgeMs: number;
}

/** What one attempt came to, as recorded. */
export interface AttemptRecord {
  readonly startedAt: number;
  readonly durationMs: number;
  /** The HTTP status; null on a timeout or a network error. */
  readonly status: number | null;
  readonly outcome: AttemptOutcome;
  /** The start of the response body or the error message (bounded, never a header). */
  readonly excerpt: string;
}

/** The end of one attempt: its record, and what becomes of the event. */
export interface FinishedAttempt {
  readonly eventId: number;
  /** The lease token of the claim: a forwarder whose lease was taken over changes nothing but the attempt log. */
  readonly token: string;
  readonly attempt: number;
  readonly record: AttemptRecord;
  readonly next: { readonly state: 'delivered' | 'failed' } | { readonly state: 'pending'; readonly retryAt: number };
}

/**
 * The outbox part of the storage boundary: what the forwarder, replays and
 * their routes need. Both dialects implement it with the same meaning; only
 * the SQL differs. The outbox row itself is written by `recordEvent`, in the
 * event's transaction, when the storage was opened with `outbox: true`.
 */
export interface ForwardStorage {
  /**
   * Leases up to `limit` events ready for an attempt: for each pass only its
   * first pending event in `event_at` (sort key) order, and none of a pass
   * that has an event leased already. Safe across instances on PostgreSQL.
   * In the same transaction, due events past `maxAttempts` or (attempted
   * once at least) past `maxAgeMs` are dead-lettered instead: an attempt
   * that could not be recorded is still counted by its lease, so no event is
   * sent more than `maxAttempts` times.
   *
   * Leases are on one clock: the caller's on SQLite (one process per file
   * forwards); on PostgreSQL the database server's, so instances whose
   * clocks disagree never take each other's leases early (a storage opened
   * with an injected clock uses that one).
   */
  claimOutbox(input: ClaimInput): Promise<Claimed>;
  /** Records an attempt and moves its event on (delivered, failed, or retried at `retryAt`), counting it in its replay. */
  finishAttempt(input: FinishedAttempt): Promise<void>;
  /** An event's attempts, oldest first. */
  deliveries(eventId: number, limit: number): Promise<DeliveryAttemptRow[]>;
  /** An event's outbox row (undefined when it was never queued). */
  outboxOf(eventId: number): Promise<OutboxRow | undefined>;
  forwardStats(): Promise<ForwardStats>;
  /** Creates a replay, counting what matches now (one `count(*)`: no matching row is loaded). */
  createReplay(input: { readonly filter: ReplayFilter; readonly ratePerSecond: number; readonly now: number }): Promise<ReplayRow>;
  replay(id: number): Promise<ReplayRow | undefined>;
  /** Stops a replay and takes its events not yet attempted off the queue. */
  cancelReplay(id: number, now: number): Promise<ReplayRow | undefined>;
  /**
   * Puts up to `limit` more events of the oldest running replay back on the
   * queue (keeping their ids), in the order of the event list with its
   * filter (a keyset page its index gives in order); resolves with how many.
   */
  queueReplayed(now: number, limit: number): Promise<number>;
  /**
   * "Retry now": a pending event (and those before it in its pass) becomes
   * due at `now`; any other event, or one never queued, is queued again at
   * once as a replay of one. Resolves with the event's outbox row after, or
   * undefined when no event has this id.
   */
  retryEvent(eventId: number, now: number): Promise<OutboxRow | undefined>;
}

/** The events a replay sends, as event filters: `status: 'failed'` is `forwarding: 'failed'` unless `forwarding` is given. */
export function replayEventFilters({ status, ...filters }: ReplayFilter): EventFilters & { readonly event_id?: number | undefined } {
  return { ...filters, forwarding: filters.forwarding ?? (status === 'failed' ? 'failed' : undefined) };
}
