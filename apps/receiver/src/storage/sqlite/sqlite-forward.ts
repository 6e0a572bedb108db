import type Database from 'better-sqlite3';
import type { SqliteStore } from '@passworks-webhooks/sqlite';
import { type Claimed, type DeliveryAttemptRow, type ForwardStorage, type OutboxItem, type ReplayFilter, type ReplayRow } from '../forward-storage.js';
import { GONE_EXCERPT, goneSql } from '../sql/outbox-retention-sql.js';
import { anyDueSql, claimSql, deadLetteredOf, deadLetterSql, type DeadLetterRow } from '../sql/outbox-claim-sql.js';
import { OUTBOX_COLUMNS, outboxRowOf, type OutboxColumns } from '../sql/outbox-join.js';
import { REPLAY_COLUMNS, retryNowSql } from '../sql/replay-sql.js';
import { replayCountQuery, replayMatchingQuery } from '../sql/query-builder.js';
import { SQLITE_DIALECT } from './sqlite-dialect.js';

interface ReplayDbRow extends Omit<ReplayRow, 'filter'> {
  readonly filter: string;
  readonly cursor: number;
  readonly cursor_at: number | null;
}

const replayOf = ({ cursor: _cursor, cursor_at: _cursorAt, filter, ...row }: ReplayDbRow): ReplayRow => ({
  ...row,
  filter: JSON.parse(filter) as ReplayFilter,
});

const PLACEHOLDERS = { now: '@now', leaseNow: '@now', limit: '@limit', maxAttempts: '@maxAttempts', maxAgeMs: '@maxAgeMs' };

/** The SQLite side of {@link ForwardStorage}: writes through the store's group commit (one process per file forwards). */
export function createSqliteForward(
  db: Database.Database,
  store: SqliteStore,
): ForwardStorage & {
  queueOutbox(idempotencyKey: string, now: number): void;
  /** Retention, inside its transaction: dead-letters the pass's pending rows with a `gone` attempt; returns how many. */
  deadLetterPruned(passId: string, now: number): number;
} {
  const s = {
    queue: db.prepare(`INSERT INTO outbox (event_id, pass_id, sort_key, state, attempts, queued_at, next_attempt_at)
      SELECT id, pass_id, sort_key, 'pending', 0, ?, ? FROM events WHERE idempotency_key = ?`),
    due: db.prepare<{ now: number }, number>(anyDueSql(PLACEHOLDERS)).pluck(),
    deadLetter: db.prepare<{ now: number; maxAttempts: number; maxAgeMs: number }, DeadLetterRow>(deadLetterSql(PLACEHOLDERS)),
    claim: db.prepare<{ now: number; limit: number }, number>(claimSql(PLACEHOLDERS)).pluck(),
    lease: db.prepare<[number, string, number]>(`UPDATE outbox SET lease_until = ?, lease_token = ?, attempts = attempts + 1 WHERE event_id = ?`),
    item: db.prepare<[number], { event_id: number; pass_id: string; raw: Buffer | null; attempts: number; queued_at: number; replay_id: number | null }>(
      `SELECT o.event_id, o.pass_id, e.raw, o.attempts, o.queued_at, o.replay_id FROM outbox o LEFT JOIN events e ON e.id = o.event_id WHERE o.event_id = ?`,
    ),
    attempt: db.prepare(`INSERT INTO delivery_attempts (event_id, attempt, started_at, duration_ms, status, outcome, response_excerpt, replay_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT replay_id FROM outbox WHERE event_id = ?))`),
    finish: db.prepare<[string, number | null, number, number | null, number, string]>(
      `UPDATE outbox SET state = ?, finished_at = ?, next_attempt_at = ?, last_status = ?, lease_until = NULL, lease_token = NULL WHERE event_id = ? AND lease_token = ?`,
    ),
    gone: db.prepare<{ pass: string; now: number }, DeadLetterRow>(goneSql('= @pass', '@now')),
    countReplay: db.prepare<[number, number, number]>(
      `UPDATE replays SET succeeded = succeeded + ?, failed = failed + ? WHERE id = (SELECT replay_id FROM outbox WHERE event_id = ?)`,
    ),
    deliveries: db.prepare<[number, number], DeliveryAttemptRow>('SELECT * FROM delivery_attempts WHERE event_id = ? ORDER BY id LIMIT ?'),
    outboxOf: db.prepare<[number], OutboxColumns>(`SELECT ${OUTBOX_COLUMNS} FROM outbox o WHERE o.event_id = ?`),
    stats: db.prepare<[], { state: string; n: number; oldest: number | null }>(
      'SELECT state, count(*) AS n, min(queued_at) AS oldest FROM outbox GROUP BY state',
    ),
    insertReplay: db.prepare(`INSERT INTO replays (created_at, state, filter, rate_per_second, matched) VALUES (?, 'running', ?, ?, ?)`),
    replay: db.prepare<[number], ReplayDbRow>(`SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.id = ?`),
    running: db.prepare<[], ReplayDbRow>(`SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.state = 'running' ORDER BY r.id LIMIT 1`),
    cancel: db.prepare<[number]>(`UPDATE replays SET state = 'cancelled' WHERE id = ? AND state <> 'cancelled'`),
    unqueue: db.prepare<[number, number]>(
      `UPDATE outbox SET state = 'cancelled', finished_at = ? WHERE replay_id = ? AND state = 'pending' AND lease_token IS NULL`,
    ),
    requeue: db.prepare(`INSERT INTO outbox (event_id, pass_id, sort_key, state, attempts, queued_at, next_attempt_at, replay_id)
      SELECT id, pass_id, sort_key, 'pending', 0, @now, @now, @replay FROM events WHERE id = @id
      ON CONFLICT (event_id) DO UPDATE SET state = 'pending', attempts = 0, queued_at = @now, next_attempt_at = @now, finished_at = NULL,
        lease_until = NULL, lease_token = NULL, replay_id = @replay WHERE outbox.state <> 'pending'`),
    advance: db.prepare<[number, number | null, number, string, number]>(
      `UPDATE replays SET cursor = ?, cursor_at = ?, sent = sent + ?, state = ? WHERE id = ?`,
    ),
    retryRow: db.prepare<[number], { event_id: number; pass_id: string; sort_key: string; state: string }>(
      'SELECT event_id, pass_id, sort_key, state FROM outbox WHERE event_id = ?',
    ),
    eventExists: db.prepare<[number], number>('SELECT 1 FROM events WHERE id = ?').pluck(),
    retryNow: db.prepare<{ now: number; pass: string; sortKey: string; id: number }>(
      retryNowSql({ now: '@now', passId: '@pass', sortKey: '@sortKey', eventId: '@id' }),
    ),
    insertQueuedReplay: db.prepare(
      `INSERT INTO replays (created_at, state, filter, rate_per_second, matched, sent, cursor) VALUES (?, 'queued', ?, 0, 1, 1, ?)`,
    ),
  };

  /** A page of the replay's matching events from its cursor, in its list's order: ids and places. */
  const matching = (replay: ReplayDbRow, limit: number): Array<{ id: number; event_at_ms: number }> => {
    const { sql, values } = replayMatchingQuery(
      SQLITE_DIALECT,
      JSON.parse(replay.filter) as ReplayFilter,
      { after: replay.cursor, at: replay.cursor_at ?? undefined },
      limit,
    );
    return db.prepare<unknown[], { id: number; event_at_ms: number }>(sql).all(...values);
  };
  const count = (filter: ReplayFilter): number => {
    const { sql, values } = replayCountQuery(SQLITE_DIALECT, filter);
    return (
      db
        .prepare<unknown[], number>(sql)
        .pluck()
        .get(...values) ?? 0
    );
  };

  return {
    queueOutbox(idempotencyKey, now) {
      s.queue.run(now, now, idempotencyKey);
    },
    deadLetterPruned(passId, now) {
      const gone = s.gone.all({ pass: passId, now });
      for (const row of gone) {
        const eventId = Number(row.event_id);
        s.attempt.run(eventId, row.attempts, now, 0, null, 'gone', GONE_EXCERPT, eventId);
        if (row.replay_id !== null) s.countReplay.run(0, 1, eventId);
      }
      return gone.length;
    },
    claimOutbox({ now, limit, leaseMs, token, maxAttempts, maxAgeMs }) {
      // Looked at first outside a transaction: a wake with nothing due opens no write transaction.
      if (s.due.get({ now }) === undefined) return Promise.resolve({ items: [], deadLettered: [] });
      return store.groupCommit.run((): Claimed => {
        const deadLettered = s.deadLetter.all({ now, maxAttempts, maxAgeMs });
        for (const row of deadLettered) if (row.replay_id !== null) s.countReplay.run(0, 1, Number(row.event_id));
        const items = s.claim.all({ now, limit }).map((id): OutboxItem => {
          s.lease.run(now + leaseMs, token, id);
          const row = s.item.get(id);
          if (row === undefined) throw new Error(`outbox row ${id} vanished inside its transaction`);
          return {
            eventId: row.event_id,
            passId: row.pass_id,
            raw: row.raw ?? undefined,
            attempt: row.attempts,
            queuedAt: row.queued_at,
            replayId: row.replay_id,
          };
        });
        return { items, deadLettered: deadLettered.map((row) => deadLetteredOf(row, maxAttempts)) };
      });
    },
    finishAttempt({ eventId, token, attempt, record, next }) {
      return store.groupCommit.run(() => {
        s.attempt.run(eventId, attempt, record.startedAt, record.durationMs, record.status, record.outcome, record.excerpt, eventId);
        const finishedAt = next.state === 'pending' ? null : record.startedAt + record.durationMs;
        const { changes } = s.finish.run(next.state, finishedAt, next.state === 'pending' ? next.retryAt : 0, record.status, eventId, token);
        if (changes === 1 && next.state !== 'pending') s.countReplay.run(next.state === 'delivered' ? 1 : 0, next.state === 'failed' ? 1 : 0, eventId);
      });
    },
    async deliveries(eventId, limit) {
      return s.deliveries.all(eventId, limit);
    },
    async outboxOf(eventId) {
      const row = s.outboxOf.get(eventId);
      return row === undefined ? undefined : (outboxRowOf(row) ?? undefined);
    },
    async forwardStats() {
      const rows = s.stats.all();
      const count = (state: string): number => rows.find((row) => row.state === state)?.n ?? 0;
      return {
        pending: count('pending'),
        delivered: count('delivered'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        oldest_pending_queued_at: rows.find((row) => row.state === 'pending')?.oldest ?? null,
      };
    },
    createReplay({ filter, ratePerSecond, now }) {
      return store.groupCommit.run(() => {
        const matched = count(filter);
        const id = Number(s.insertReplay.run(now, JSON.stringify(filter), ratePerSecond, matched).lastInsertRowid);
        return replayOf(s.replay.get(id) as ReplayDbRow);
      });
    },
    async replay(id) {
      const row = s.replay.get(id);
      return row === undefined ? undefined : replayOf(row);
    },
    cancelReplay(id, now) {
      return store.groupCommit.run(() => {
        const row = s.replay.get(id);
        if (row === undefined) return undefined;
        s.cancel.run(id);
        s.unqueue.run(now, id);
        return replayOf(s.replay.get(id) as ReplayDbRow);
      });
    },
    queueReplayed(now, limit) {
      // No running replay, no write transaction.
      if (limit <= 0 || s.running.get() === undefined) return Promise.resolve(0);
      return store.groupCommit.run(() => {
        const replay = s.running.get();
        if (replay === undefined || limit <= 0) return 0;
        const rows = matching(replay, limit);
        let queued = 0;
        for (const { id } of rows) queued += s.requeue.run({ now, replay: replay.id, id }).changes;
        const last = rows.at(-1);
        s.advance.run(last?.id ?? replay.cursor, last?.event_at_ms ?? replay.cursor_at, queued, rows.length < limit ? 'queued' : 'running', replay.id);
        return queued;
      });
    },
    retryEvent(eventId, now) {
      return store.groupCommit.run(() => {
        if (s.eventExists.get(eventId) === undefined) return undefined;
        const row = s.retryRow.get(eventId);
        if (row?.state === 'pending') {
          s.retryNow.run({ now, pass: row.pass_id, sortKey: row.sort_key, id: eventId });
        } else {
          const filter: ReplayFilter = { status: 'all', event_id: eventId };
          const replay = Number(s.insertQueuedReplay.run(now, JSON.stringify(filter), eventId).lastInsertRowid);
          s.requeue.run({ now, replay, id: eventId });
        }
        const after = s.outboxOf.get(eventId);
        return after === undefined ? undefined : (outboxRowOf(after) ?? undefined);
      });
    },
  };
}
