/** Where an event's forwarding stands: queued (or retrying), delivered, dead-lettered, or taken off the queue by a cancelled replay. */
export const OUTBOX_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** What `?forwarding=` selects: an outbox state, or `none` (an event never queued, e.g. stored before FORWARD_URL was set). */
export const FORWARDING_FILTERS = [...OUTBOX_STATES, 'none'] as const;
export type ForwardingFilter = (typeof FORWARDING_FILTERS)[number];

/** Filters of the event list, export and replays (`since` inclusive, `until` exclusive, on `event_at`, epoch ms). */
export interface EventFilters {
  readonly event?: string | undefined;
  readonly pass_id?: string | undefined;
  readonly campaign_id?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** The event's forwarding state: its outbox row's state, or `none` (never queued). */
  readonly forwarding?: ForwardingFilter | undefined;
}

/**
 * Where an event read starts: strictly after an event (ascending), or strictly
 * before one (descending, newest first). By id; a list with `since` or `until`
 * goes in `event_at` order, where `at` is that event's `event_at_ms` (none: the
 * list's start, or end). See `inEventAtOrder`.
 */
export type EventRange = { readonly after: number; readonly at?: number | undefined } | { readonly before: number; readonly at?: number | undefined };
