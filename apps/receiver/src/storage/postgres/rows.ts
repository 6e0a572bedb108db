import type { EventRow } from '../storage.js';
import type { EventColumns } from '../../projection/event-columns.js';
import type { PassState, Registration } from '../../projection/pass-state.js';
import { storableText } from '../storable-text.js';

/** An `events` row as node-postgres returns it (bigint as text). */
export interface PgEventRow extends Omit<EventRow, 'id' | 'event_at_ms' | 'received_at' | 'voided'> {
  readonly id: string;
  readonly event_at_ms: string;
  readonly received_at: string;
  readonly voided: boolean;
}

/** A PostgreSQL events row as the read API's {@link EventRow} (the SQLite shape). */
export const eventRowOf = (row: PgEventRow): EventRow => ({
  ...row,
  id: Number(row.id),
  event_at_ms: Number(row.event_at_ms),
  received_at: Number(row.received_at),
  voided: row.voided ? 1 : 0,
});

/** An event's columns as a JSON object for `json_populate_recordset(NULL::events, ...)` (bytea as hex). */
export const eventJsonOf = (columns: EventColumns): Record<string, unknown> => ({
  ...columns,
  event: storableText(columns.event),
  sort_key: storableText(columns.sort_key),
  serial_number: storableText(columns.serial_number),
  distribution_id: storableText(columns.distribution_id),
  campaign_id: storableText(columns.campaign_id),
  pass_id: storableText(columns.pass_id),
  registration_id: storableText(columns.registration_id),
  device_os: storableText(columns.device_os),
  wallet: storableText(columns.wallet),
  raw: `\\x${columns.raw.toString('hex')}`,
});

/** A `passes` row as node-postgres returns it. */
export interface PgPassRow extends Omit<PassState, 'registrations' | 'metadata'> {
  readonly registrations: string;
  readonly metadata: string;
  readonly last_received_at: string;
  readonly seq: string;
}

/** A PostgreSQL passes row back to the state it stores. */
export const passStateOf = ({ last_received_at: _received, seq: _seq, registrations, metadata, ...row }: PgPassRow): PassState => ({
  ...row,
  registrations: JSON.parse(registrations) as Registration[],
  metadata: JSON.parse(metadata) as Record<string, unknown>,
});

/** A pass state as a JSON object for `json_populate_recordset(NULL::passes, ...)`. */
export const passJsonOf = (state: PassState, receivedAt: number): Record<string, unknown> => ({
  ...state,
  pass_id: storableText(state.pass_id),
  campaign_id: storableText(state.campaign_id),
  distribution_id: storableText(state.distribution_id),
  serial_number: storableText(state.serial_number),
  last_event: storableText(state.last_event),
  last_sort_key: storableText(state.last_sort_key),
  registrations: JSON.stringify(state.registrations),
  metadata: JSON.stringify(state.metadata),
  last_received_at: receivedAt,
});
