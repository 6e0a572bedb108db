import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { instantOf, sortKeyOf } from './sort-key.js';

/** The columns of an `events` row, whatever the database (the id is the database's). */
export interface EventColumns {
  readonly idempotency_key: string;
  readonly event: string;
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly event_at: string;
  readonly event_at_ms: number;
  readonly sort_key: string;
  readonly registration_id: string | null;
  readonly device_os: string | null;
  readonly wallet: string | null;
  readonly voided: boolean;
  readonly redeemed_count: number;
  readonly received_at: number;
  readonly raw: Buffer;
}

/** The names of {@link EventColumns}, in the order both dialects' inserts list them. */
export const EVENT_COLUMN_NAMES = [
  'idempotency_key',
  'event',
  'pass_id',
  'campaign_id',
  'distribution_id',
  'serial_number',
  'event_at',
  'event_at_ms',
  'sort_key',
  'registration_id',
  'device_os',
  'wallet',
  'voided',
  'redeemed_count',
  'received_at',
  'raw',
] as const satisfies ReadonlyArray<keyof EventColumns>;

/** Fails to compile when a column of {@link EventColumns} is missing from {@link EVENT_COLUMN_NAMES}. */
const everyColumnNamed: Exclude<keyof EventColumns, (typeof EVENT_COLUMN_NAMES)[number]> extends never ? true : never = true;
void everyColumnNamed;

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

function bytesOf(raw: Uint8Array | string | undefined, event: UnknownPassEvent): Buffer {
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return Buffer.from(raw ?? JSON.stringify(event), 'utf8');
}

/**
 * The row an accepted event is stored as: its exact raw bytes, the parsed
 * columns the read API filters on, and its sort key. UUID columns in lower
 * case, as the read API looks them up (the raw bytes keep the platform's spelling).
 */
export function eventColumnsOf(event: UnknownPassEvent, idempotencyKey: string, raw: Uint8Array | string | undefined, receivedAt: number): EventColumns {
  const instant = instantOf(event.event_at);
  return {
    idempotency_key: idempotencyKey,
    event: event.event,
    pass_id: event.pass_id.toLowerCase(),
    campaign_id: event.campaign_id.toLowerCase(),
    distribution_id: event.distribution_id.toLowerCase(),
    serial_number: event.serial_number.toLowerCase(),
    event_at: instant.iso,
    event_at_ms: instant.ms,
    sort_key: sortKeyOf(event.event, instant),
    registration_id: text(event.event_extra.registration_id),
    device_os: text(event.event_extra.device_os),
    wallet: text(event.event_extra.device_app_vendor),
    voided: event.voided,
    redeemed_count: event.redeemed_count,
    received_at: receivedAt,
    raw: bytesOf(raw, event),
  };
}
