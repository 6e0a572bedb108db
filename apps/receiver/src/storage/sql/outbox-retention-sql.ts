/**
 * The passes retention may delete, the longest silent first (a range of the
 * `last_received_at` index, so a run reads the stale passes, not every pass): silent since before
 * `cutoff`, with no outbox row pending that was queued at `keepQueuedSince`
 * or later (such an event may still be forwarded; see `Storage.pruneStalePasses`).
 * Placeholders in the dialect's syntax.
 */
export const stalePassesSql = (p: {
  readonly cutoff: string;
  readonly keepQueuedSince: string;
  readonly limit: string;
}): string => `SELECT pass_id FROM passes p
  WHERE p.last_received_at < ${p.cutoff}
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.pass_id = p.pass_id AND o.state = 'pending' AND o.queued_at >= ${p.keepQueuedSince})
  ORDER BY last_received_at LIMIT ${p.limit}`;

/**
 * The attempts of the passes' events, except those of events still pending (they are dead-lettered, their history kept).
 * `passEvents`: the dialect's terms for those events (SQLite finds a pass's events by their key: see `passEventsSql`).
 */
export const deletePrunedAttemptsSql = (passes: string, passEvents = `pass_id ${passes}`): string => `DELETE FROM delivery_attempts
  WHERE event_id IN (SELECT id FROM events WHERE ${passEvents})
    AND event_id NOT IN (SELECT event_id FROM outbox WHERE pass_id ${passes} AND state = 'pending')`;

/** The passes' outbox rows done with (delivered, failed, cancelled). */
export const deletePrunedOutboxSql = (passes: string): string => `DELETE FROM outbox WHERE pass_id ${passes} AND state <> 'pending'`;

/** The passes' pending rows dead-lettered: `failed` at `now`, one more attempt counted (the `gone` one). */
export const goneSql = (passes: string, now: string): string => `UPDATE outbox SET state = 'failed', finished_at = ${now}, attempts = attempts + 1,
  lease_until = NULL, lease_token = NULL WHERE pass_id ${passes} AND state = 'pending' RETURNING event_id, attempts, replay_id`;

/** What a `gone` attempt's excerpt says. */
export const GONE_EXCERPT = 'the event was pruned by retention while still queued';
