/**
 * A replay's columns as read (`replays r`): its stored state, except that a
 * replay all queued (`queued`) whose events are all settled (none of them
 * still pending under it) reads as `done`. Derived on read, so it holds
 * whichever instance settled the last event, and an event taken over by a
 * later replay (or retried) counts as settled for this one.
 */
export const REPLAY_COLUMNS = `r.id, r.created_at, r.filter, r.rate_per_second, r.matched, r.sent, r.succeeded, r.failed, r.cursor, r.cursor_at,
  CASE WHEN r.state = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.replay_id = r.id AND o.state = 'pending') THEN 'done' ELSE r.state END AS state`;

/** The placeholders of {@link retryNowSql}, in the dialect's syntax. */
export interface RetryNowPlaceholders {
  readonly now: string;
  readonly passId: string;
  readonly sortKey: string;
  readonly eventId: string;
}

/**
 * "Retry now" of a pending event: it and the pending events before it in its
 * pass (sort key, then id) become due at `now`, backoff skipped. The claim
 * still takes each pass's first pending event only, so the per-pass order
 * holds; an event leased right now is in flight already and keeps its lease.
 */
export const retryNowSql = (p: RetryNowPlaceholders): string => `UPDATE outbox SET next_attempt_at = ${p.now}
  WHERE pass_id = ${p.passId} AND state = 'pending' AND next_attempt_at > ${p.now}
    AND (sort_key < ${p.sortKey} OR (sort_key = ${p.sortKey} AND event_id <= ${p.eventId}))`;
