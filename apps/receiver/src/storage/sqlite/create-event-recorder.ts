import type Database from 'better-sqlite3';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { applyEvent, projectPass } from '../../projection/pass-state.js';
import { createPassRows } from './pass-rows.js';
import { instantOf, sortKeyOf } from '../../projection/sort-key.js';

/** What recording one delivery came to. */
export type RecordOutcome = 'stored' | 'duplicate';

/** Stores an accepted event and its pass projection: synchronous, inside one transaction. The event row is the key's done mark (see {@link recordedKeys}). */
export type EventRecorder = (event: UnknownPassEvent, idempotencyKey: string, raw: Uint8Array | string | undefined, receivedAt: number) => RecordOutcome;

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

function bytesOf(raw: Uint8Array | string | undefined, event: UnknownPassEvent): Buffer {
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return Buffer.from(raw ?? JSON.stringify(event), 'utf8');
}

/**
 * Whether an event of `key` is stored: the idempotency store's `isHandled`,
 * so the events' unique key is the done mark and no mark of the store's is
 * written per event.
 */
export function recordedKeys(db: Database.Database): (key: string) => boolean {
  const lookup = db.prepare<[string], number>('SELECT 1 FROM events WHERE idempotency_key = ?').pluck();
  return (key) => lookup.get(key) !== undefined;
}

/**
 * Prepares the recorder. An event whose key is stored already is a duplicate
 * (nothing changes). Otherwise the pass projection moves
 * forward by one event when it is the pass's latest, or is recomputed from
 * all the pass's stored events when it arrived out of order.
 */
export function createEventRecorder(db: Database.Database): EventRecorder {
  const passes = createPassRows(db);
  const insert = db.prepare(
    `INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms,
       sort_key, registration_id, device_os, wallet, voided, redeemed_count, received_at, raw)
     VALUES (@idempotency_key, @event, @pass_id, @campaign_id, @distribution_id, @serial_number, @event_at, @event_at_ms,
       @sort_key, @registration_id, @device_os, @wallet, @voided, @redeemed_count, @received_at, @raw)
     ON CONFLICT (idempotency_key) DO NOTHING`,
  );
  return (event, idempotencyKey, raw, receivedAt) => {
    const instant = instantOf(event.event_at);
    const sortKey = sortKeyOf(event.event, instant);
    // UUID columns in lower case, as the read API looks them up (the raw bytes keep the platform's spelling).
    const passId = event.pass_id.toLowerCase();
    const { changes } = insert.run({
      idempotency_key: idempotencyKey,
      event: event.event,
      pass_id: passId,
      campaign_id: event.campaign_id.toLowerCase(),
      distribution_id: event.distribution_id.toLowerCase(),
      serial_number: event.serial_number.toLowerCase(),
      event_at: instant.iso,
      event_at_ms: instant.ms,
      sort_key: sortKey,
      registration_id: text(event.event_extra.registration_id),
      device_os: text(event.event_extra.device_os),
      wallet: text(event.event_extra.device_app_vendor),
      voided: event.voided ? 1 : 0,
      redeemed_count: event.redeemed_count,
      received_at: receivedAt,
      raw: bytesOf(raw, event),
    });
    if (changes === 0) return 'duplicate';
    const current = passes.get(passId);
    const next = current === undefined || current.last_sort_key < sortKey ? applyEvent(current, event) : projectPass(passes.events(passId));
    if (next !== undefined) passes.save(next, receivedAt);
    return 'stored';
  };
}
