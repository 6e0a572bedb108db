import type { OutboxState } from '../event-filters.js';
import type { OutboxRow } from '../forward-storage.js';

/** An outbox row's columns under prefixed names, so a join never clashes with the event's own columns. */
export const OUTBOX_COLUMNS = `o.state AS outbox_state, o.attempts AS outbox_attempts, o.queued_at AS outbox_queued_at,
  o.next_attempt_at AS outbox_next_attempt_at, o.finished_at AS outbox_finished_at, o.replay_id AS outbox_replay_id`;

type Num = number | string;

/** {@link OUTBOX_COLUMNS} as a driver returns them (PostgreSQL's bigint as text; all null without an outbox row). */
export interface OutboxColumns {
  readonly outbox_state: OutboxState | null;
  readonly outbox_attempts: number | null;
  readonly outbox_queued_at: Num | null;
  readonly outbox_next_attempt_at: Num | null;
  readonly outbox_finished_at: Num | null;
  readonly outbox_replay_id: Num | null;
}

/**
 * Events read by `eventsSql` (any `SELECT * FROM events ...`, in either
 * dialect), each with its outbox row's columns: one LEFT JOIN on the outbox's
 * key, in the order of `orderBy` (terms on the events' columns, as `eventsSql` orders them).
 */
export const withOutboxColumns = (eventsSql: string, orderBy: readonly string[] = ['id ASC']): string =>
  `SELECT e.*, ${OUTBOX_COLUMNS} FROM (${eventsSql}) e LEFT JOIN outbox o ON o.event_id = e.id ORDER BY ${orderBy.map((term) => `e.${term}`).join(', ')}`;

const numOrNull = (value: Num | null): number | null => (value === null ? null : Number(value));

/** The outbox row in {@link OUTBOX_COLUMNS}; null when the event was never queued. */
export function outboxRowOf(columns: OutboxColumns): OutboxRow | null {
  if (columns.outbox_state === null) return null;
  return {
    state: columns.outbox_state,
    attempts: Number(columns.outbox_attempts),
    queued_at: Number(columns.outbox_queued_at),
    next_attempt_at: Number(columns.outbox_next_attempt_at),
    finished_at: numOrNull(columns.outbox_finished_at),
    replay_id: numOrNull(columns.outbox_replay_id),
  };
}

/** A joined row split into the event (through `eventOf`, the dialect's row mapping) and its `forwarding` state. */
export function withForwarding<R, E>(row: R & OutboxColumns, eventOf: (event: R) => E): E & { readonly forwarding: OutboxRow | null } {
  const { outbox_state, outbox_attempts, outbox_queued_at, outbox_next_attempt_at, outbox_finished_at, outbox_replay_id, ...event } = row;
  const forwarding = outboxRowOf({ outbox_state, outbox_attempts, outbox_queued_at, outbox_next_attempt_at, outbox_finished_at, outbox_replay_id });
  return { ...eventOf(event as unknown as R), forwarding };
}
