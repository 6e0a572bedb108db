import type { PassState } from '../projection/pass.js';
import type { ForwardStats, OutboxRow } from '../storage/outbox-rows.js';
import type { RejectionRow, Stats } from '../storage/read-rows.js';

// The read API's JSON shapes, declared once: the server's views are typed by them and the inspector (src/ui)
// imports them. Plain data only (no Node or driver type), so the browser build can import this file.

export type { DeliveryAttemptRow, OutboxRow, ReplayRow } from '../storage/outbox-rows.js';
export type { Registration } from '../projection/pass.js';

/** An event in a pass's timeline. */
export interface TimelineView {
  readonly id: number;
  readonly event: string;
  readonly event_at: string;
  readonly registration_id: string | null;
  readonly device_os: string | null;
  readonly wallet: string | null;
  readonly voided: boolean;
  readonly redeemed_count: number;
  /** ISO 8601. */
  readonly received_at: string;
}

/** An event as the lists, the export and `GET /api/events/:id` show it. */
export interface EventView extends TimelineView {
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly idempotency_key: string;
  /** Later deliveries of this event answered as duplicates. */
  readonly duplicates: number;
  /** The body as received, parsed. */
  readonly payload: unknown;
  /** Its outbox row; null when it was never queued for forwarding. */
  readonly forwarding: OutboxRow | null;
}

/** A list page of the read API. */
export interface Page<T> {
  readonly data: T[];
  readonly next_cursor: string | null;
}

/** A page of the event list: with the live stream's cursor, read before the page's rows. */
export interface EventPage<T> extends Page<T> {
  readonly stream_cursor: string;
}

/** A pass as the list shows it (the internal sort key left out). */
export type PassView = Omit<PassState, 'last_sort_key'>;

/** A pass as `GET /api/passes/:pass_id` shows it: with its timeline. */
export type PassDetailView = PassView & { readonly timeline: TimelineView[]; readonly timeline_truncated: boolean };

/** A rejected delivery as `GET /api/rejections` lists it (`received_at` as ISO 8601). */
export type RejectionView = Omit<RejectionRow, 'received_at'> & { readonly received_at: string };

/** `GET /api/stats`: the stored events' counts, and the forwarding outbox by state. */
export type StatsView = Stats & { readonly forwarding: ForwardStats };
