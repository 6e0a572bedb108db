/** An `events` row as SQLite returns it. */
export interface EventRow {
  readonly id: number;
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
  readonly voided: number;
  readonly redeemed_count: number;
  readonly received_at: number;
  readonly raw: Buffer;
}

const utf8 = new TextDecoder('utf-8');

/** How an event reads in the API: its timeline view, the pass's ids, and the parsed body as `payload`. */
export function eventView(row: EventRow): Record<string, unknown> {
  return {
    ...timelineView(row),
    pass_id: row.pass_id,
    campaign_id: row.campaign_id,
    distribution_id: row.distribution_id,
    serial_number: row.serial_number,
    idempotency_key: row.idempotency_key,
    payload: JSON.parse(utf8.decode(row.raw)) as unknown,
  };
}

/** A shorter view for a pass's timeline. */
export function timelineView(row: EventRow): Record<string, unknown> {
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
