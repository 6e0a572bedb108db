import type { DeadLettered } from '../forward-storage.js';

/** The placeholders of the claim statements, in the dialect's syntax (`@now`, `$1::bigint`). */
export interface ClaimPlaceholders {
  /** The caller's clock: due times and ages. */
  readonly now: string;
  /** The lease clock (see `ForwardStorage.claimOutbox`). */
  readonly leaseNow: string;
  readonly limit: string;
  readonly maxAttempts: string;
  readonly maxAgeMs: string;
}

/** A pending event whose time has come and whose lease, if any, ran out. */
const due = (p: Pick<ClaimPlaceholders, 'now' | 'leaseNow'>): string =>
  `o.state = 'pending' AND o.next_attempt_at <= ${p.now} AND (o.lease_until IS NULL OR o.lease_until < ${p.leaseNow})`;

/** Is anything due at all? (One read, so a wake with nothing to claim opens no write transaction.) */
export const anyDueSql = (p: Pick<ClaimPlaceholders, 'now' | 'leaseNow'>): string => `SELECT 1 FROM outbox o WHERE ${due(p)} LIMIT 1`;

/**
 * Dead-letters the due events a claim must not lease again: attempts used up
 * (each lease counted one, recorded or not), or attempted and queued longer
 * than the maximum age. Returns their `event_id`, `attempts` and `replay_id`.
 */
export const deadLetterSql = (
  p: Omit<ClaimPlaceholders, 'limit'>,
): string => `UPDATE outbox AS o SET state = 'failed', finished_at = ${p.now}, lease_until = NULL, lease_token = NULL
  WHERE ${due(p)} AND (o.attempts >= ${p.maxAttempts} OR (o.attempts > 0 AND o.queued_at <= ${p.now} - ${p.maxAgeMs}))
  RETURNING event_id, attempts, replay_id`;

/**
 * The due events to lease, oldest due first: each its pass's first pending
 * event (sort key, then id), of a pass with no event leased.
 */
export const claimSql = (p: Pick<ClaimPlaceholders, 'now' | 'leaseNow' | 'limit'>): string => `SELECT o.event_id FROM outbox o
  WHERE ${due(p)}
    AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.pass_id = o.pass_id AND x.state = 'pending'
      AND (x.sort_key < o.sort_key OR (x.sort_key = o.sort_key AND x.event_id < o.event_id)))
    AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.pass_id = o.pass_id AND x.state = 'pending' AND x.lease_until >= ${p.leaseNow})
  ORDER BY o.next_attempt_at, o.event_id LIMIT ${p.limit}`;

/** A dead-lettered row as a driver returns it (PostgreSQL's bigint as text). */
export interface DeadLetterRow {
  readonly event_id: number | string;
  readonly attempts: number;
  readonly replay_id: number | string | null;
}

/** A {@link DeadLetterRow} as the forwarder gets it. */
export const deadLetteredOf = (row: DeadLetterRow, maxAttempts: number): DeadLettered => ({
  eventId: Number(row.event_id),
  attempts: row.attempts,
  reason: row.attempts >= maxAttempts ? 'attempts' : 'age',
});
