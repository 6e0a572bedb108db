import type { IdempotencyStore, UnknownPassEvent } from '@passworks-webhooks/core';
import type { EventColumns } from '../projection/event-columns.js';
import type { PassState } from '../projection/pass-state.js';
import type { EventFilters, EventRange } from './event-filters.js';
import type { ForwardStorage, OutboxRow } from './forward-storage.js';
import type { Rejection } from './rejection.js';
import type { RejectionRow, Stats } from './read-rows.js';

export type { EventFilters, EventRange, ForwardingFilter } from './event-filters.js';
export type { Rejection } from './rejection.js';
export type { CountsOverTime, RejectionRow, Stats } from './read-rows.js';

/**
 * An `events` row as the storage returns it: the stored columns, the database's id, `voided` as 0 or 1,
 * and how many later deliveries of the event were answered as duplicates.
 */
export type EventRow = Omit<EventColumns, 'voided'> & { readonly id: number; readonly voided: number; readonly duplicates: number };

/** An event as the event reads return it: its row and its outbox row (null when it was never queued for forwarding). */
export type StoredEvent = EventRow & { readonly forwarding: OutboxRow | null };

/** What recording one delivery came to. */
export type RecordOutcome = 'stored' | 'duplicate';

/** One accepted delivery to store. */
export interface EventToRecord {
  readonly event: UnknownPassEvent;
  /** Core's default key (`defaultIdempotencyKey`): it starts with the event's lower-case `pass_id` and `:`, by which SQLite finds a pass's events (any other key is refused there). */
  readonly idempotencyKey: string;
  /** The exact bytes received (the parsed event re-serialised when absent). */
  readonly raw: Uint8Array | string | undefined;
  readonly receivedAt: number;
}

/** A place in the live stream's order: the inserting transaction (0 on SQLite), then the event id (0: before any event of that transaction). */
export type StreamPosition = readonly [xact: number, id: number];

/** An event as the live stream reads it: its row and its stream position. */
export type StreamedEvent = EventRow & { readonly position: StreamPosition };

/** Whether stream position `a` comes after `b`. */
export const isAfter = (a: StreamPosition, b: StreamPosition): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** A pass in the pass list: its state, and its number in the order passes were first stored (the list's cursor). */
export interface ListedPass {
  readonly seq: number;
  readonly state: PassState;
}

/** Filters of the pass list. */
export interface PassFilters {
  readonly campaign_id?: string | undefined;
  readonly installed?: boolean | undefined;
}

/** Filters of the rejection list (`since`/`until` on the time received, epoch ms). */
export interface RejectionFilters {
  readonly status?: number | undefined;
  readonly code?: string | undefined;
  /** The event name the rejected body named. */
  readonly event?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** Filters of the stats. */
export interface StatsFilters {
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly campaign_id?: string | undefined;
}

/** Rejections answered in one UTC hour with one code, counted without a row of their own. */
export interface RejectionCount {
  /** The start of the hour, epoch ms. */
  readonly hour: number;
  readonly code: string;
  readonly count: number;
}

/** What one chunk of retention pruning deleted. */
export interface PrunedChunk {
  readonly passes: number;
  readonly events: number;
  /** Outbox rows still pending in the deleted passes, dead-lettered with a `gone` attempt. */
  readonly gone: number;
  /** True when fewer stale passes than the chunk size were left. */
  readonly last: boolean;
}

/**
 * The receiver's storage boundary: everything the webhook path, the read
 * API, retention, stats, export and readiness need, whatever the database.
 * Implementations: SQLite (`createSqliteStorage`, embedded, one machine) and
 * PostgreSQL (`createPostgresStorage`, any number of instances). Both run one
 * behavioural suite. Every method rejects with `store_unavailable` when the
 * database fails.
 */
export interface Storage extends ForwardStorage {
  /** `sqlite` or `postgres`, for logs and metrics. */
  readonly kind: 'sqlite' | 'postgres';
  /** The idempotency store the pipeline claims keys through (same database). */
  readonly store: IdempotencyStore;
  /**
   * Stores the event with its raw bytes, moves its pass projection, and marks
   * its key done (on SQLite the stored row is the mark), in one transaction;
   * resolves after the commit. An event whose key is stored already is a
   * duplicate (the stored event's `duplicates` goes up by one).
   */
  recordEvent(input: EventToRecord): Promise<RecordOutcome>;
  /**
   * Counts one more delivery of the stored event of `idempotencyKey` answered
   * as a duplicate (its key was done already): the event's `duplicates` goes
   * up by one. Batched with the writes of the same turn (no transaction of
   * its own); a key without a stored event changes nothing. `recordEvent`
   * counts the duplicates it finds itself, in its transaction.
   */
  countDuplicate(idempotencyKey: string, at: number): Promise<void>;
  /** Stores one rejected delivery (the table is capped); the stats count it. */
  recordRejection(rejection: Rejection): Promise<void>;
  /** Adds rejections the stats count but no row holds (past the per-address row budget), in one statement. */
  countRejections(counts: readonly RejectionCount[]): Promise<void>;
  /** One event with its forwarding state. */
  event(id: number): Promise<StoredEvent | undefined>;
  /**
   * Events from `range`, each with its forwarding state: `after` ascending (lists, export), `before` descending (newest first);
   * by id, or with `since`/`until` by (`event_at_ms`, id).
   */
  events(filters: EventFilters, range: EventRange, limit: number): Promise<StoredEvent[]>;
  /** How many events match `filters` (one `count(*)`; what a replay of them would match with `status: 'all'`). */
  countEvents(filters: EventFilters): Promise<number>;
  /**
   * The live stream's position now: every event before it is committed and
   * no event can still appear before it; the events after it are those not
   * yet listed by {@link streamEvents}. Read before a list, it is the list's
   * stream cursor: a stream started there sends every event the list missed
   * (and may send again some it showed).
   */
  streamHead(): Promise<StreamPosition>;
  /** The stream position of an event (a reconnect's `Last-Event-ID`); undefined when it is not stored. */
  streamPositionOf(eventId: number): Promise<StreamPosition | undefined>;
  /**
   * Events past `after` in stream order, only those no commit still in
   * progress can come before: on SQLite ids commit in order (one writer), so
   * the order is the id; on PostgreSQL two transactions may commit ids out of
   * order, so the order is the inserting transaction, then the id, and an
   * event is listed once every transaction older than its own that may write
   * events has ended (transactions of other databases, and those holding no
   * write lock on `events`, do not count).
   */
  streamEvents(after: StreamPosition, limit: number): Promise<StreamedEvent[]>;
  pass(passId: string): Promise<PassState | undefined>;
  /** A pass's events in projection (sort key) order. */
  timeline(passId: string, limit: number): Promise<EventRow[]>;
  /** Passes numbered below `beforeSeq`, newest first (by `seq`, the order they were first stored in). */
  passes(filters: PassFilters, beforeSeq: number, limit: number): Promise<ListedPass[]>;
  /** Rejections with `id < beforeId`, newest first. */
  rejections(filters: RejectionFilters, beforeId: number, limit: number): Promise<RejectionRow[]>;
  stats(filters: StatsFilters): Promise<Stats>;
  /**
   * Deletes up to `chunk` passes silent since before `cutoffMs`, with their
   * events, their outbox rows and attempts. A pass with an outbox row pending
   * since `pending.keepQueuedSinceMs` or later is kept (its event may still be
   * forwarded); an older pending row is dead-lettered instead of deleted:
   * state `failed` at `pending.now`, with a `gone` attempt on record.
   */
  pruneStalePasses(cutoffMs: number, chunk: number, pending: { readonly keepQueuedSinceMs: number; readonly now: number }): Promise<PrunedChunk>;
  /** Deletes up to `chunk` rejections received before `cutoffMs`; resolves with how many. */
  pruneRejections(cutoffMs: number, chunk: number): Promise<number>;
  /** Deletes the duplicate and rejection counts of the hours that ended before `cutoffMs` (retention); resolves with how many rows. */
  pruneCounts(cutoffMs: number): Promise<number>;
  /** Deletes expired idempotency keys; resolves with how many. */
  pruneKeys(): Promise<number>;
  /**
   * Stores an inspector session by a keyed hash of its id (hex, made by the
   * sessions with the admin token; the id itself is never stored) until `expiresAt`, dropping expired ones and, past
   * `maxSessions`, those closest to expiry.
   */
  startSession(idHash: string, expiresAt: number, now: number, maxSessions: number): Promise<void>;
  /** When the session of `idHash` expires, if it is stored and alive at `now`. */
  sessionExpiry(idHash: string, now: number): Promise<number | undefined>;
  /** Ends the session of `idHash` (sign-out). */
  endSession(idHash: string): Promise<void>;
  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  /** The database's size in bytes (metrics). */
  sizeBytes(): Promise<number>;
  /** Commits what is pending and closes the database. */
  close(): Promise<void>;
}

/** The storage's reads, which each dialect builds in a file of its own: events (lists, counts, the live stream), passes, rejections, stats, readiness and size. */
export type StorageReads = Pick<
  Storage,
  | 'event'
  | 'events'
  | 'countEvents'
  | 'streamHead'
  | 'streamPositionOf'
  | 'streamEvents'
  | 'pass'
  | 'timeline'
  | 'passes'
  | 'rejections'
  | 'stats'
  | 'ping'
  | 'sizeBytes'
>;
