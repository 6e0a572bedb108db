import type Database from 'better-sqlite3';
import { PassworksWebhookError, type UnknownPassEvent } from '@passworks-webhooks/core';
import { advancePass } from '../../projection/advance-pass.js';
import { EVENT_COLUMN_NAMES, eventColumnsOf } from '../../projection/event-columns.js';
import { projectPass } from '../../projection/pass-state.js';
import type { RecordOutcome } from '../storage.js';
import { isPassKey } from './pass-events-sql.js';
import { createPassRows } from './pass-rows.js';

export type { RecordOutcome };

/**
 * Stores an accepted event and its pass projection: synchronous, inside one transaction. The event row is the key's done mark (see {@link recordedKeys}).
 * The hourly and daily counts are added at the transaction's end: the receiver's storage does it on every commit; a caller with
 * its own transaction runs `createEventCounts(db)` before committing.
 */
export type EventRecorder = (event: UnknownPassEvent, idempotencyKey: string, raw: Uint8Array | string | undefined, receivedAt: number) => RecordOutcome;

/**
 * Whether an event of `key` is stored, as an `isHandled` for the idempotency
 * store. Kept for callers of the package: the receiver's own store takes
 * `handledBy` (`storage/handled-by.ts`), as on PostgreSQL.
 * @deprecated give the SQLite store `handledBy: { table: 'events', column: 'idempotency_key' }`.
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
    `INSERT INTO events (${EVENT_COLUMN_NAMES.join(', ')}) VALUES (${EVENT_COLUMN_NAMES.map((name) => `@${name}`).join(', ')})
     ON CONFLICT (idempotency_key) DO NOTHING`,
  );
  return (event, idempotencyKey, raw, receivedAt) => {
    // The columns both dialects store (eventColumnsOf); SQLite binds the boolean as 0 or 1.
    const columns = eventColumnsOf(event, idempotencyKey, raw, receivedAt);
    // A pass's events are found by their keys (see passEventsSql): a key of another form would be lost to its pass.
    if (!isPassKey(idempotencyKey, columns.pass_id)) {
      throw new PassworksWebhookError(
        'invalid_config',
        `idempotency key ${JSON.stringify(idempotencyKey)}: expected core's default key, starting with the event's pass_id and ':'`,
      );
    }
    const { changes } = insert.run({ ...columns, voided: columns.voided ? 1 : 0 });
    if (changes === 0) return 'duplicate';
    // The same fold as PostgreSQL's (advancePass): one step when the event is the pass's latest, else the pass projected again.
    const passId = columns.pass_id;
    const advanced = advancePass(passes.get(passId), [{ event, sortKey: columns.sort_key }]);
    const next = advanced === 'recompute' ? projectPass(passes.events(passId)) : advanced;
    if (next !== undefined) passes.save(next, receivedAt);
    return 'stored';
  };
}
