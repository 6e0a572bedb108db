import type { EventRow, StoredEvent } from '../storage/storage.js';
import type { EventView, TimelineView } from './wire-types.js';

const utf8 = new TextDecoder('utf-8');

/** How an event reads in the API: its timeline view, the pass's ids, the parsed body as `payload`, and its forwarding state. */
export function eventView(row: StoredEvent): EventView {
  return {
    ...timelineView(row),
    pass_id: row.pass_id,
    campaign_id: row.campaign_id,
    distribution_id: row.distribution_id,
    serial_number: row.serial_number,
    idempotency_key: row.idempotency_key,
    duplicates: row.duplicates,
    payload: JSON.parse(utf8.decode(row.raw)) as unknown,
    forwarding: row.forwarding,
  };
}

/** A shorter view for a pass's timeline. */
export function timelineView(row: EventRow): TimelineView {
  return {
    id: row.id,
    event: row.event,
    event_at: row.event_at,
    registration_id: row.registration_id,
    device_os: row.device_os,
    wallet: row.wallet,
    voided: row.voided === 1,
    redeemed_count: row.redeemed_count,
    received_at: new Date(row.received_at).toISOString(),
  };
}
