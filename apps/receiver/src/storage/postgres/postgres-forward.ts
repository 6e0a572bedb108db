import type pg from 'pg';
import { toStoreUnavailable } from '@passworks-webhooks/postgres';
import { type Claimed, type DeliveryAttemptRow, type ForwardStorage, type OutboxItem, type ReplayFilter, type ReplayRow } from '../forward-storage.js';
import { GONE_EXCERPT, goneSql } from '../sql/outbox-retention-sql.js';
import { anyDueSql, claimSql, deadLetteredOf, deadLetterSql, type DeadLetterRow } from '../sql/outbox-claim-sql.js';
import { storableText } from '../storable-text.js';
import { OUTBOX_COLUMNS, outboxRowOf, type OutboxColumns } from '../sql/outbox-join.js';
import { REPLAY_COLUMNS, retryNowSql } from '../sql/replay-sql.js';
import { replayCountQuery, replayMatchingQuery } from '../sql/query-builder.js';
import { POSTGRES_DIALECT } from './postgres-dialect.js';
import { inTransaction } from './in-transaction.js';

/** What the outbox needs from the PostgreSQL storage. */
export interface PostgresForwardDeps {
  readonly pool: pg.Pool;
  /** Resolves once the schema is migrated. */
  readonly ready: () => Promise<void>;
  /** An injected lease clock (tests), epoch ms; undefined: the database server's clock. */
  readonly now?: (() => number) | undefined;
}

type Num = string | number;
const num = (value: Num): number => Number(value);
const numOrNull = (value: Num | null): number | null => (value === null ? null : Number(value));

interface ReplayDbRow {
  id: Num;
  created_at: Num;
  state: ReplayRow['state'];
  filter: ReplayFilter;
  rate_per_second: number;
  matched: Num;
  sent: Num;
  succeeded: Num;
  failed: Num;
  cursor: Num;
  cursor_at: Num | null;
}

const replayOf = (row: ReplayDbRow): ReplayRow => ({
  id: num(row.id),
  created_at: num(row.created_at),
  state: row.state,
  filter: row.filter,
  rate_per_second: row.rate_per_second,
  matched: num(row.matched),
  sent: num(row.sent),
  succeeded: num(row.succeeded),
  failed: num(row.failed),
});

/** The database server's clock in epoch ms: one clock for the leases of every instance, whatever each host's says. */
const DATABASE_CLOCK_MS = `(extract(epoch FROM statement_timestamp()) * 1000)::bigint`;

const SQL = {
  // Claims are serialised across instances by this transaction lock, so the "no event of the pass leased" check sees
  // every committed lease; SKIP LOCKED passes over rows a finishing attempt is updating.
  // Is anything due at all? One read, so a wake with nothing to claim opens no transaction and takes no lock.
  due: anyDueSql({ now: '$1::bigint', leaseNow: `COALESCE($2::bigint, ${DATABASE_CLOCK_MS})` }),
  running: `SELECT 1 FROM replays WHERE state = 'running' LIMIT 1`,
  claimLock: `SELECT pg_advisory_xact_lock(hashtextextended('passworks-receiver:outbox-claim', 0))`,
  // Read once per claim, after the lock: every lease of every instance is set and compared on it.
  leaseClock: `SELECT COALESCE($1::bigint, ${DATABASE_CLOCK_MS}) AS now`,
  deadLetter: deadLetterSql({ now: '$1::bigint', leaseNow: '$2::bigint', maxAttempts: '$3::integer', maxAgeMs: '$4::bigint' }),
  countDeadLetters: `UPDATE replays r SET failed = r.failed + d.n FROM (SELECT id, count(*) AS n FROM unnest($1::bigint[]) AS u (id) GROUP BY id) AS d WHERE r.id = d.id`,
  claim: `${claimSql({ now: '$1::bigint', leaseNow: '$2::bigint', limit: '$3' })}
    FOR UPDATE OF o SKIP LOCKED`,
  lease: `UPDATE outbox o SET lease_until = $2, lease_token = $3, attempts = attempts + 1 FROM (SELECT unnest($1::bigint[]) AS id) AS c
    WHERE o.event_id = c.id RETURNING o.event_id, o.pass_id, o.attempts, o.queued_at, o.replay_id`,
  raw: `SELECT id, raw FROM events WHERE id = ANY($1::bigint[])`,
  attempt: `INSERT INTO delivery_attempts (event_id, attempt, started_at, duration_ms, status, outcome, response_excerpt, replay_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT replay_id FROM outbox WHERE event_id = $1))`,
  finish: `UPDATE outbox SET state = $1, finished_at = $2, next_attempt_at = $3, last_status = $4, lease_until = NULL, lease_token = NULL
    WHERE event_id = $5 AND lease_token = $6 RETURNING replay_id`,
  countReplay: `UPDATE replays SET succeeded = succeeded + $1, failed = failed + $2 WHERE id = $3`,
  requeue: `INSERT INTO outbox (event_id, pass_id, sort_key, state, attempts, queued_at, next_attempt_at, replay_id)
    SELECT id, pass_id, sort_key, 'pending', 0, $2, $2, $3 FROM events WHERE id = ANY($1::bigint[])
    ON CONFLICT (event_id) DO UPDATE SET state = 'pending', attempts = 0, queued_at = $2, next_attempt_at = $2, finished_at = NULL,
      lease_until = NULL, lease_token = NULL, replay_id = $3 WHERE outbox.state <> 'pending'`,
  retryNow: retryNowSql({ now: '$1::bigint', passId: '$2', sortKey: '$3', eventId: '$4::bigint' }),
  insertQueuedReplay: `INSERT INTO replays (created_at, state, filter, rate_per_second, matched, sent, cursor) VALUES ($1, 'queued', $2, 0, 1, 1, $3) RETURNING id`,
};

const DEAD_LETTER_PRUNED = `WITH gone AS (${goneSql('= ANY($1::text[])', '$2::bigint')}),
  recorded AS (INSERT INTO delivery_attempts (event_id, attempt, started_at, duration_ms, status, outcome, response_excerpt, replay_id)
    SELECT event_id, attempts, $2::bigint, 0, NULL, 'gone', $3, replay_id FROM gone),
  counted AS (UPDATE replays r SET failed = r.failed + d.n
    FROM (SELECT replay_id AS id, count(*) AS n FROM gone WHERE replay_id IS NOT NULL GROUP BY replay_id) AS d WHERE r.id = d.id)
  SELECT count(*)::int AS n FROM gone`;

/**
 * Retention, inside its transaction: dead-letters the passes' pending outbox
 * rows, each with a `gone` attempt at `now` (counted in its replay); resolves with how many.
 */
export async function deadLetterPruned(client: pg.PoolClient, passIds: readonly string[], now: number): Promise<number> {
  const { rows } = await client.query<{ n: number }>(DEAD_LETTER_PRUNED, [passIds, now, storableText(GONE_EXCERPT)]);
  return rows[0]?.n ?? 0;
}

/** The PostgreSQL side of {@link ForwardStorage}: several instances share one outbox. */
export function createPostgresForward({ pool, ready, now: leaseClock }: PostgresForwardDeps): ForwardStorage {
  const injectedLeaseNow = (): number | null => (leaseClock === undefined ? null : leaseClock());
  const run = async <T>(doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    await ready();
    try {
      return await inTransaction(pool, work);
    } catch (error) {
      throw toStoreUnavailable(error, doing);
    }
  };
  const read = async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[]): Promise<R[]> => {
    await ready();
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (error) {
      throw toStoreUnavailable(error, doing);
    }
  };
  /** A page of the replay's matching events from its cursor, in its list's order: ids and places. */
  const matching = async (client: pg.PoolClient, replay: ReplayDbRow, limit: number): Promise<Array<{ id: number; at: number }>> => {
    const range = { after: num(replay.cursor), at: replay.cursor_at === null ? undefined : num(replay.cursor_at) };
    const { sql, values } = replayMatchingQuery(POSTGRES_DIALECT, replay.filter, range, limit);
    const { rows } = await client.query<{ id: Num; event_at_ms: Num }>(sql, values);
    return rows.map((row) => ({ id: num(row.id), at: num(row.event_at_ms) }));
  };
  const replayById = async (client: pg.PoolClient | pg.Pool, id: number): Promise<ReplayRow | undefined> => {
    const { rows } = await client.query<ReplayDbRow>(`SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.id = $1`, [id]);
    return rows[0] === undefined ? undefined : replayOf(rows[0]);
  };

  return {
    async claimOutbox({ now, limit, leaseMs, token, maxAttempts, maxAgeMs }) {
      if ((await read('claiming outbox events', SQL.due, [now, injectedLeaseNow()])).length === 0) return { items: [], deadLettered: [] };
      return run('claiming outbox events', async (client): Promise<Claimed> => {
        await client.query(SQL.claimLock);
        const leaseNow = num((await client.query<{ now: Num }>(SQL.leaseClock, [injectedLeaseNow()])).rows[0]?.now ?? 0);
        const deadLettered = (await client.query<DeadLetterRow>(SQL.deadLetter, [now, leaseNow, maxAttempts, maxAgeMs])).rows;
        const replayIds = deadLettered.flatMap((row) => (row.replay_id === null ? [] : [row.replay_id]));
        if (replayIds.length > 0) await client.query(SQL.countDeadLetters, [replayIds]);
        const dead = deadLettered.map((row) => deadLetteredOf(row, maxAttempts));
        const ids = (await client.query<{ event_id: Num }>(SQL.claim, [now, leaseNow, limit])).rows.map((row) => num(row.event_id));
        if (ids.length === 0) return { items: [], deadLettered: dead };
        const leased = (
          await client.query<{ event_id: Num; pass_id: string; attempts: number; queued_at: Num; replay_id: Num | null }>(SQL.lease, [
            ids,
            leaseNow + leaseMs,
            token,
          ])
        ).rows;
        const raws = new Map((await client.query<{ id: Num; raw: Buffer }>(SQL.raw, [ids])).rows.map((row) => [num(row.id), row.raw]));
        const byId = new Map(leased.map((row) => [num(row.event_id), row]));
        // In claim order (oldest due first), not the order UPDATE returned.
        const items = ids.flatMap((id): OutboxItem[] => {
          const row = byId.get(id);
          if (row === undefined) return [];
          return [
            { eventId: id, passId: row.pass_id, raw: raws.get(id), attempt: row.attempts, queuedAt: num(row.queued_at), replayId: numOrNull(row.replay_id) },
          ];
        });
        return { items, deadLettered: dead };
      });
    },
    finishAttempt({ eventId, token, attempt, record, next }) {
      return run('recording a delivery attempt', async (client) => {
        await client.query(SQL.attempt, [eventId, attempt, record.startedAt, record.durationMs, record.status, record.outcome, storableText(record.excerpt)]);
        const finishedAt = next.state === 'pending' ? null : record.startedAt + record.durationMs;
        const { rows } = await client.query<{ replay_id: Num | null }>(SQL.finish, [
          next.state,
          finishedAt,
          next.state === 'pending' ? next.retryAt : 0,
          record.status,
          eventId,
          token,
        ]);
        const replayId = rows[0]?.replay_id ?? null;
        if (replayId !== null && next.state !== 'pending')
          await client.query(SQL.countReplay, [next.state === 'delivered' ? 1 : 0, next.state === 'failed' ? 1 : 0, replayId]);
      });
    },
    async deliveries(eventId, limit) {
      const rows = await read<Record<string, unknown>>(
        'listing delivery attempts',
        'SELECT * FROM delivery_attempts WHERE event_id = $1 ORDER BY id LIMIT $2',
        [eventId, limit],
      );
      return rows.map((row) => ({
        ...(row as unknown as DeliveryAttemptRow),
        id: Number(row.id),
        event_id: Number(row.event_id),
        started_at: Number(row.started_at),
        replay_id: row.replay_id === null ? null : Number(row.replay_id),
      }));
    },
    async outboxOf(eventId) {
      const [row] = await read<OutboxColumns>('reading an outbox row', `SELECT ${OUTBOX_COLUMNS} FROM outbox o WHERE o.event_id = $1`, [eventId]);
      return row === undefined ? undefined : (outboxRowOf(row) ?? undefined);
    },
    async forwardStats() {
      const rows = await read<{ state: string; n: number; oldest: Num | null }>(
        'counting the outbox',
        'SELECT state, count(*)::int AS n, min(queued_at) AS oldest FROM outbox GROUP BY state',
        [],
      );
      const count = (state: string): number => rows.find((row) => row.state === state)?.n ?? 0;
      const oldest = rows.find((row) => row.state === 'pending')?.oldest ?? null;
      return {
        pending: count('pending'),
        delivered: count('delivered'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        oldest_pending_queued_at: numOrNull(oldest),
      };
    },
    createReplay({ filter, ratePerSecond, now }) {
      return run('creating a replay', async (client) => {
        const counted = replayCountQuery(POSTGRES_DIALECT, filter);
        const matched = num((await client.query<{ n: Num }>(counted.sql, counted.values)).rows[0]?.n ?? 0);
        const { rows } = await client.query<ReplayDbRow>(
          `INSERT INTO replays (created_at, state, filter, rate_per_second, matched) VALUES ($1, 'running', $2, $3, $4) RETURNING *`,
          [now, JSON.stringify(filter, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value)), ratePerSecond, matched],
        );
        return replayOf(rows[0] as ReplayDbRow);
      });
    },
    async replay(id) {
      await ready();
      try {
        return await replayById(pool, id);
      } catch (error) {
        throw toStoreUnavailable(error, 'reading a replay');
      }
    },
    cancelReplay(id, now) {
      return run('cancelling a replay', async (client) => {
        await client.query(`UPDATE replays SET state = 'cancelled' WHERE id = $1 AND state <> 'cancelled'`, [id]);
        await client.query(`UPDATE outbox SET state = 'cancelled', finished_at = $1 WHERE replay_id = $2 AND state = 'pending' AND lease_token IS NULL`, [
          now,
          id,
        ]);
        return replayById(client, id);
      });
    },
    async queueReplayed(now, limit) {
      // No running replay, no write transaction.
      if (limit <= 0 || (await read('queueing replayed events', SQL.running, [])).length === 0) return 0;
      return run('queueing replayed events', async (client) => {
        // One instance moves a replay at a time: the others skip the locked row.
        const { rows } = await client.query<ReplayDbRow>(
          `SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.state = 'running' ORDER BY r.id LIMIT 1 FOR UPDATE OF r SKIP LOCKED`,
        );
        const replay = rows[0];
        if (replay === undefined || limit <= 0) return 0;
        const page = await matching(client, replay, limit);
        const ids = page.map((row) => row.id);
        const queued = ids.length === 0 ? 0 : ((await client.query(SQL.requeue, [ids, now, replay.id])).rowCount ?? 0);
        const last = page.at(-1);
        await client.query('UPDATE replays SET cursor = $1, cursor_at = $2, sent = sent + $3, state = $4 WHERE id = $5', [
          last?.id ?? num(replay.cursor),
          last?.at ?? replay.cursor_at,
          queued,
          ids.length < limit ? 'queued' : 'running',
          replay.id,
        ]);
        return queued;
      });
    },
    retryEvent(eventId, now) {
      return run('retrying an event', async (client) => {
        if ((await client.query('SELECT 1 FROM events WHERE id = $1', [eventId])).rows.length === 0) return undefined;
        const { rows } = await client.query<{ pass_id: string; sort_key: string; state: string }>(
          'SELECT pass_id, sort_key, state FROM outbox WHERE event_id = $1 FOR UPDATE',
          [eventId],
        );
        const row = rows[0];
        if (row?.state === 'pending') {
          await client.query(SQL.retryNow, [now, row.pass_id, row.sort_key, eventId]);
        } else {
          const filter: ReplayFilter = { status: 'all', event_id: eventId };
          const replay = await client.query<{ id: Num }>(SQL.insertQueuedReplay, [now, JSON.stringify(filter), eventId]);
          await client.query(SQL.requeue, [[eventId], now, replay.rows[0]?.id]);
        }
        const after = await client.query<OutboxColumns>(`SELECT ${OUTBOX_COLUMNS} FROM outbox o WHERE o.event_id = $1`, [eventId]);
        return after.rows[0] === undefined ? undefined : (outboxRowOf(after.rows[0]) ?? undefined);
      });
    },
  };
}
