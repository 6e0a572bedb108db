import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { SqliteStore } from '@passworks-webhooks/sqlite';
import type { EventRow } from '../../api/event-view.js';
import { withForwarding, withOutboxColumns, type OutboxColumns } from '../../forward/outbox-join.js';
import { createEventRecorder } from '../../projection/create-event-recorder.js';
import { createPassRows, passStateOf, type PassRow } from '../../projection/pass-rows.js';
import { createRejectionRecorder } from '../../webhook/create-rejection-recorder.js';
import type { EventFilters, RejectionRow, Storage } from '../storage.js';
import { createSqliteForward } from './sqlite-forward.js';

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** The open, migrated database (closed by `close()`). */
  readonly db: Database.Database;
  /** The idempotency store on `db`, whose group commit every write goes through. */
  readonly store: SqliteStore;
  /** The most rejections kept. @default 100_000 */
  readonly maxRejections?: number | undefined;
  /** Queue each stored event for forwarding, in its own transaction (FORWARD_URL set). @default false */
  readonly outbox?: boolean | undefined;
}

/** The SQLite storage, with its database (for tests and tools). */
export interface SqliteStorage extends Storage {
  readonly kind: 'sqlite';
  readonly store: SqliteStore;
  readonly db: Database.Database;
}

const same = <T>(row: T): T => row;

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Builds a WHERE clause with `?` placeholders. */
function where(): { add(clause: string, value: unknown): void; readonly sql: string; readonly values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  return {
    add(clause, value) {
      clauses.push(clause);
      values.push(value);
    },
    get sql() {
      return clauses.length === 0 ? '1 = 1' : clauses.join(' AND ');
    },
    values,
  };
}

/** The WHERE clause of the event filters (`?` placeholders). */
export function eventWhere(filters: EventFilters): ReturnType<typeof where> {
  const w = where();
  if (filters.event !== undefined) w.add('event = ?', filters.event);
  if (filters.pass_id !== undefined) w.add('pass_id = ?', filters.pass_id);
  if (filters.campaign_id !== undefined) w.add('campaign_id = ?', filters.campaign_id);
  if (filters.since !== undefined) w.add('event_at_ms >= ?', filters.since);
  if (filters.until !== undefined) w.add('event_at_ms < ?', filters.until);
  return w;
}

/**
 * The receiver's storage on one SQLite file (better-sqlite3, WAL): every
 * write goes through the store's group commit, so the events of one
 * event-loop turn share a transaction; reads are synchronous statements.
 * @example const storage = createSqliteStorage({ db, store });
 */
export function createSqliteStorage({ db, store, maxRejections, outbox = false }: SqliteStorageOptions): SqliteStorage {
  const record = createEventRecorder(db, store);
  const recordRejection = createRejectionRecorder(db, maxRejections);
  const passes = createPassRows(db);
  const byId = db.prepare<[number], EventRow & OutboxColumns>(withOutboxColumns('SELECT * FROM events WHERE id = ?'));
  const timeline = db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE pass_id = ? ORDER BY sort_key, idempotency_key LIMIT ?');
  const stalePasses = db.prepare<[number, number], string>('SELECT pass_id FROM passes WHERE last_received_at < ? LIMIT ?').pluck();
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE pass_id = ?');
  const deleteAttempts = db.prepare<[string]>('DELETE FROM delivery_attempts WHERE event_id IN (SELECT id FROM events WHERE pass_id = ?)');
  const deleteOutbox = db.prepare<[string]>('DELETE FROM outbox WHERE pass_id = ?');
  const deletePass = db.prepare<[string]>('DELETE FROM passes WHERE pass_id = ?');
  const deleteRejections = db.prepare<[number, number]>('DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < ? LIMIT ?)');
  const ping = db.prepare('SELECT 1');
  const maxId = db.prepare<[], number | null>('SELECT max(id) FROM events').pluck();
  const { queueOutbox, ...forward } = createSqliteForward(db, store);

  return {
    kind: 'sqlite',
    db,
    store,
    ...forward,
    recordEvent({ event, idempotencyKey, raw, receivedAt }) {
      return store.groupCommit.run(() => {
        const outcome = record(event, idempotencyKey, raw, receivedAt);
        // In the event's transaction: a stored event is never left unforwarded.
        if (outbox && outcome === 'stored') queueOutbox(idempotencyKey, receivedAt);
        return outcome;
      });
    },
    recordRejection(rejection) {
      return store.groupCommit.run(() => recordRejection(rejection));
    },
    async event(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : withForwarding(row, same);
    },
    async events(filters, range, limit) {
      const w = eventWhere(filters);
      const ascending = 'after' in range;
      w.add(ascending ? 'id > ?' : 'id < ?', ascending ? range.after : range.before);
      const order = ascending ? 'ASC' : 'DESC';
      return db
        .prepare<unknown[], EventRow & OutboxColumns>(withOutboxColumns(`SELECT * FROM events WHERE ${w.sql} ORDER BY id ${order} LIMIT ?`, order))
        .all(...w.values, limit)
        .map((row) => withForwarding(row, same));
    },
    async maxEventId() {
      return maxId.get() ?? 0;
    },
    async pass(passId) {
      return passes.get(passId);
    },
    async timeline(passId, limit) {
      return timeline.all(passId, limit);
    },
    async passes({ campaign_id, installed }, afterPassId, limit) {
      const w = where();
      w.add('pass_id > ?', afterPassId);
      if (campaign_id !== undefined) w.add('campaign_id = ?', campaign_id);
      const installedClause = installed === undefined ? '' : installed ? ' AND installed_devices > 0' : ' AND installed_devices = 0';
      return db
        .prepare<unknown[], PassRow>(`SELECT * FROM passes WHERE ${w.sql}${installedClause} ORDER BY pass_id LIMIT ?`)
        .all(...w.values, limit)
        .map(passStateOf);
    },
    async rejections({ status, code, since, until }, beforeId, limit) {
      const w = where();
      w.add('id < ?', beforeId);
      if (status !== undefined) w.add('status = ?', status);
      if (code !== undefined) w.add('code = ?', code);
      if (since !== undefined) w.add('received_at >= ?', since);
      if (until !== undefined) w.add('received_at < ?', until);
      return db.prepare<unknown[], RejectionRow>(`SELECT * FROM rejections WHERE ${w.sql} ORDER BY id DESC LIMIT ?`).all(...w.values, limit);
    },
    async stats({ since, until, campaign_id }) {
      const w = where();
      if (since !== undefined) w.add('event_at_ms >= ?', since);
      if (until !== undefined) w.add('event_at_ms < ?', until);
      if (campaign_id !== undefined) w.add('campaign_id = ?', campaign_id);
      const all = <R>(sql: string): R[] => db.prepare<unknown[], R>(sql).all(...w.values);
      return {
        total: all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE ${w.sql}`)[0]?.n ?? 0,
        by_event: all(`SELECT event, count(*) AS count FROM events WHERE ${w.sql} GROUP BY event ORDER BY event`),
        by_campaign: all(`SELECT campaign_id, count(*) AS count, count(DISTINCT pass_id) AS passes FROM events WHERE ${w.sql} GROUP BY campaign_id ORDER BY campaign_id`),
        by_day: all(`SELECT substr(event_at, 1, 10) AS day, count(*) AS count FROM events WHERE ${w.sql} GROUP BY day ORDER BY day`),
      };
    },
    pruneStalePasses(cutoffMs, chunk) {
      // The work returns its counts instead of adding to ours: group commit may run it twice (see GroupCommit.run).
      return store.groupCommit.run(() => {
        const ids = stalePasses.all(cutoffMs, chunk);
        const deleted = { passes: 0, events: 0, last: ids.length < chunk };
        for (const id of ids) {
          deleteAttempts.run(id);
          deleteOutbox.run(id);
          deleted.events += deleteEvents.run(id).changes;
          deleted.passes += deletePass.run(id).changes;
        }
        return deleted;
      });
    },
    pruneRejections(cutoffMs, chunk) {
      return store.groupCommit.run(() => deleteRejections.run(cutoffMs, chunk).changes);
    },
    pruneKeys() {
      return store.prune();
    },
    async ping() {
      ping.get();
    },
    async sizeBytes() {
      // The file plus its write-ahead log.
      return db.memory ? 0 : sizeOf(db.name) + sizeOf(`${db.name}-wal`);
    },
    async close() {
      await store.groupCommit.close();
      if (db.open) db.close();
    },
  };
}
