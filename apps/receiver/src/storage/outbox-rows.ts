import type { EventFilters, OutboxState } from './event-filters.js';

// The outbox's rows as the storage returns them and the read API sends them: plain data, no driver or Node type,
// so the inspector (src/ui) imports them as the wire types they are.

/** How one attempt ended. */
export const ATTEMPT_OUTCOMES = ['succeeded', 'http_error', 'timeout', 'network_error', 'gone'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** A `delivery_attempts` row, as `GET /api/events/:id/deliveries` lists it. */
export interface DeliveryAttemptRow {
  readonly id: number;
  readonly event_id: number;
  readonly attempt: number;
  readonly started_at: number;
  readonly duration_ms: number;
  readonly status: number | null;
  readonly outcome: AttemptOutcome;
  readonly response_excerpt: string;
  readonly replay_id: number | null;
}

/** An event's forwarding state, shown in its view. */
export interface OutboxRow {
  readonly state: OutboxState;
  readonly attempts: number;
  readonly queued_at: number;
  readonly next_attempt_at: number;
  readonly finished_at: number | null;
  readonly replay_id: number | null;
}

/** Which stored events a replay sends again: the event-list filters, the outbox state, or one event. */
export interface ReplayFilter extends EventFilters {
  /** `failed`: dead-lettered events only; `all`: every matching event. */
  readonly status: 'failed' | 'all';
  readonly event_id?: number | undefined;
}

/**
 * A `replays` row: its filter and progress. `running`: events still to put
 * back on the queue; `queued`: all put back, some still pending; `done`: all
 * put back and settled; `cancelled`.
 */
export interface ReplayRow {
  readonly id: number;
  readonly created_at: number;
  readonly state: 'running' | 'queued' | 'done' | 'cancelled';
  readonly filter: ReplayFilter;
  readonly rate_per_second: number;
  /** Events matching the filter when the replay was created. */
  readonly matched: number;
  /** Events put back on the queue so far (paced). */
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** The outbox counted by state, for `/api/stats` and the metrics. */
export interface ForwardStats {
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
  readonly cancelled: number;
  /** When the oldest pending event was queued, epoch ms; null when none is pending. */
  readonly oldest_pending_queued_at: number | null;
}
