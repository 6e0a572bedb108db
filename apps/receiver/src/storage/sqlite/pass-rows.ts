import type Database from 'better-sqlite3';
import type { UnknownPassEvent } from '@passworks-webhooks/core';
import type { PassState, Registration } from '../../projection/pass-state.js';
import { PASS_COLUMN_NAMES, passUpsertConflictSql } from '../sql/pass-upsert-sql.js';
import { passEventsSql } from './pass-events-sql.js';

// Strips a UTF-8 byte order mark, as the pipeline's own decoding did.
const utf8 = new TextDecoder('utf-8');

/** A `passes` row as SQLite returns it: the state, with the boolean as 0/1 and the nested values as JSON text. */
export type PassRow = Omit<PassState, 'voided' | 'registrations' | 'metadata'> & {
  readonly voided: number;
  readonly registrations: string;
  readonly metadata: string;
  readonly last_received_at: number;
  readonly seq: number;
};

/** A row back to the state it stores. */
export function passStateOf(row: PassRow): PassState {
  return {
    pass_id: row.pass_id,
    campaign_id: row.campaign_id,
    distribution_id: row.distribution_id,
    serial_number: row.serial_number,
    created_at: row.created_at,
    updated_at: row.updated_at,
    voided: row.voided === 1,
    redeemed_count: row.redeemed_count,
    redeemed_at: row.redeemed_at,
    last_fetched_at: row.last_fetched_at,
    last_event: row.last_event,
    last_event_at: row.last_event_at,
    last_sort_key: row.last_sort_key,
    event_count: row.event_count,
    installed_devices: row.installed_devices,
    registrations: JSON.parse(row.registrations) as Registration[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}

/** Reads and writes the `passes` projection. Every method is synchronous, for use inside a transaction. */
export interface PassRows {
  get(passId: string): PassState | undefined;
  /** Every stored event of the pass, parsed from its raw bytes, in sort-key order. */
  events(passId: string): UnknownPassEvent[];
  save(state: PassState, receivedAt: number): void;
}

/** Prepares the statements of {@link PassRows} on `db`. */
export function createPassRows(db: Database.Database): PassRows {
  const select = db.prepare<[string], PassRow>('SELECT * FROM passes WHERE pass_id = ?');
  const raws = db.prepare<{ pass: string }, Buffer>(`SELECT raw FROM events WHERE ${passEventsSql('@pass')} ORDER BY sort_key, idempotency_key`).pluck();
  const upsert = db.prepare(
    `INSERT INTO passes (${PASS_COLUMN_NAMES.join(', ')}) VALUES (${PASS_COLUMN_NAMES.map((name) => `@${name}`).join(', ')}) ${passUpsertConflictSql('max')}`,
  );
  return {
    get(passId) {
      const row = select.get(passId);
      return row === undefined ? undefined : passStateOf(row);
    },
    events(passId) {
      return raws.all({ pass: passId }).map((raw) => JSON.parse(utf8.decode(raw)) as UnknownPassEvent);
    },
    save(state, receivedAt) {
      upsert.run({
        ...state,
        voided: state.voided ? 1 : 0,
        registrations: JSON.stringify(state.registrations),
        metadata: JSON.stringify(state.metadata),
        last_received_at: receivedAt,
      });
    },
  };
}
