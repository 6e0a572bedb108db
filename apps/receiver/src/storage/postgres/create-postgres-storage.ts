import pg from 'pg';
import { isPassworksWebhookError, type UnknownPassEvent } from '@passworks-webhooks/core';
import { batchPerTurn, createPostgresStore, prepared, toStoreUnavailable, type PostgresStore } from '@passworks-webhooks/postgres';
import { withForwarding, withOutboxColumns, type OutboxColumns } from '../sql/outbox-join.js';
import { advancePass } from '../../projection/advance-pass.js';
import { eventColumnsOf, type EventColumns } from '../../projection/event-columns.js';
import { projectPass, type PassState } from '../../projection/pass-state.js';
import { DEFAULT_MAX_REJECTIONS, rejectionColumns } from '../rejection.js';
import { rejectionRowOf, type StoredRejectionRow } from '../rejection-row-of.js';
import type { EventToRecord, RecordOutcome, Storage } from '../storage.js';
import { eventCountQuery, eventsQuery, passesQuery, rejectionsQuery } from '../sql/query-builder.js';
import { POSTGRES_DIALECT } from './postgres-dialect.js';
import { HANDLED_BY } from '../handled-by.js';
import { inTransaction } from './in-transaction.js';
import { migratePostgres } from './migrate-postgres.js';
import { migrateAtStart, type MigrateAtStartOptions } from './migrate-at-start.js';
import type { PostgresMigration } from './migrations.js';
import { HOUR_MS, hourOf, statsOf, statsSql, usedParams } from '../stats-queries.js';
import { deletePrunedAttemptsSql, deletePrunedOutboxSql, stalePassesSql } from '../sql/outbox-retention-sql.js';
import { createPostgresForward, deadLetterPruned } from './postgres-forward.js';
import { storableText } from '../storable-text.js';
import { eventJsonOf, eventRowOf, passJsonOf, passStateOf, type PgEventRow, type PgPassRow } from './rows.js';
import { DEFAULTS } from '../../common/defaults.js';

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** The schema of the idempotency keys table (the receiver's tables follow the connection's `search_path`). @default 'public' */
  readonly schema?: string | undefined;
  /** The most connections of this instance's pool. @default 10 */
  readonly poolSize?: number;
  /** The most rejections kept. @default 100_000 */
  readonly maxRejections?: number;
  /** How long one statement (or getting a connection) may take before `store_unavailable`. @default 5_000 */
  readonly queryTimeoutMs?: number;
  /** An injected clock for the idempotency keys and the outbox's leases (tests); without it, the database clock for both. */
  readonly now?: (() => number) | undefined;
  /** Called with how many events each transaction held (metrics). */
  readonly onCommit?: (size: number) => void;
  /** Queue each stored event for forwarding, in its own transaction (FORWARD_URL set). @default false */
  readonly outbox?: boolean | undefined;
  /** The schema steps (tests). @default POSTGRES_MIGRATIONS */
  readonly migrations?: readonly PostgresMigration[] | undefined;
}

/** The PostgreSQL storage, with its pool and idempotency store (for tests and tools). */
export interface PostgresStorage extends Storage {
  readonly kind: 'postgres';
  readonly store: PostgresStore;
  readonly pool: pg.Pool;
  /**
   * Connects and migrates now, on a connection of its own without timeouts,
   * retrying with backoff ({@link migrateAtStart}): what start-up awaits
   * before listening. Without it the first use migrates (once, no retries).
   */
  migrate(options?: MigrateAtStartOptions): Promise<void>;
}

type Outcome = { readonly ok: true; readonly value: RecordOutcome } | { readonly ok: false; readonly error: unknown };

const PASS_COLUMNS = `pass_id, campaign_id, distribution_id, serial_number, created_at, updated_at, voided, redeemed_count, redeemed_at,
  last_fetched_at, last_event, last_event_at, last_sort_key, event_count, installed_devices, registrations, metadata, last_received_at`;
const EVENT_COLUMNS = `idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key,
  registration_id, device_os, wallet, voided, redeemed_count, received_at, raw`;

/** The advisory locks of these passes: one per pass, taken in sorted order so two transactions never wait on each other in a cycle. */
const passLocks = (from: string): string => `SELECT pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtextextended('passworks-receiver:pass:' || p, 0) AS h FROM ${from} AS p ORDER BY h
  ) AS locks`;

/**
 * The live stream's horizon, as CTEs ending in `horizon (xact)`: every event
 * row with `xact` below it is committed for good, and no row below it can
 * still appear; every row at or above it may not be visible yet.
 *
 * It is the oldest transaction of the statement's snapshot that is still in
 * progress (`pg_snapshot_xip`) and may write events; with none, the snapshot's
 * `xmax` (transactions at or past it are in progress or not started, and
 * are not listed in `xip`). A transaction in progress is left out only when
 * it is known not to write events: `pg_locks` shows it running (the granted
 * `ExclusiveLock` on its own id) and holding no lock on this database's
 * `events` table stronger than a read's (`AccessShareLock`, `RowShareLock`).
 * So a transaction in another database, or a session on this one that writes
 * none of the receiver's tables (it may read them), never holds the stream
 * back; the server-wide `pg_snapshot_xmin` did.
 *
 * Why this never skips an event: every transaction that inserts events locks
 * the table (`RowExclusiveLock`, when its INSERT is planned) before it gets its
 * transaction id (when it writes its first row), and keeps the lock until it
 * ends. The snapshot is taken when the statement starts and `pg_locks` is read
 * while it runs, so later: a writer of events in the snapshot's `xip` either
 * still runs when `pg_locks` is read, and then shows its lock on events, or has
 * ended, and then its transaction lock is gone too: both count it in. The one
 * read of `pg_locks` (materialized once) lists each backend's fast-path locks
 * before the shared lock table, so a lock seen missing from the fast path
 * ended before the transaction locks are read. `pg_locks` needs no privilege:
 * transactions of other roles are seen alike.
 *
 * What is not covered: a transaction that wrote other tables first (its id
 * taken) and inserts events only later may have rows below a horizon already
 * passed. The receiver's record transaction inserts its events first; a
 * hand-written transaction that inserts events last is not seen in order.
 */
const STREAM_HORIZON = `snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  locks AS MATERIALIZED (SELECT locktype, database, relation, transactionid, virtualtransaction, mode, granted FROM pg_locks),
  unrelated AS (
    SELECT running.transactionid FROM locks AS running
    WHERE running.locktype = 'transactionid' AND running.mode = 'ExclusiveLock' AND running.granted
      AND NOT EXISTS (SELECT 1 FROM locks AS held WHERE held.virtualtransaction = running.virtualtransaction
        AND held.locktype = 'relation' AND held.relation = 'events'::regclass
        AND held.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND held.mode NOT IN ('AccessShareLock', 'RowShareLock'))
  ),
  horizon AS (
    SELECT coalesce(
      (SELECT min(x) FROM pg_snapshot_xip(s) AS x WHERE NOT EXISTS (SELECT 1 FROM unrelated WHERE unrelated.transactionid = x::xid)),
      pg_snapshot_xmax(s)
    ) AS xact FROM snapshot
  )`;

const SQL = {
  // Every transaction touching a pass's projection holds its lock first, so
  // two instances never compute a pass from the same old state.
  lockPasses: passLocks('unnest($1::text[])'),
  /** The locks as literals, sent with BEGIN in one round trip (a simple query takes no parameters). */
  beginLocked: (passIds: readonly string[]): string => `BEGIN; ${passLocks(`unnest(ARRAY[${passIds.map((id) => pg.escapeLiteral(id)).join(', ')}]::text[])`)}`,
  /**
   * One round trip for the batch's rows: the events (a key stored before is
   * skipped; the row is the key's done mark), their outbox rows (queued at
   * $3) and the batch's passes ($2) as they stand, read after the locks were taken
   * (a LATERAL probe per pass, LIMIT 1: an index lookup whatever the table's
   * statistics, where a generic plan made while the table was small scans it).
   */
  recordEvents: (outbox: boolean): string => `WITH inserted AS (
    INSERT INTO events (${EVENT_COLUMNS})
    SELECT ${EVENT_COLUMNS} FROM json_populate_recordset(NULL::events, $1::json)
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key, pass_id, sort_key
  )${
    // In the events' transaction: a stored event is never left unforwarded.
    outbox
      ? `, queued AS (
    INSERT INTO outbox (event_id, pass_id, sort_key, state, attempts, queued_at, next_attempt_at)
    SELECT id, pass_id, sort_key, 'pending', 0, $3::bigint, $3::bigint FROM inserted
  )`
      : ''
  }
  SELECT ARRAY(SELECT idempotency_key FROM inserted) AS inserted,
    (SELECT json_agg(p) FROM unnest($2::text[]) AS id (pass_id) CROSS JOIN LATERAL (SELECT * FROM passes WHERE pass_id = id.pass_id LIMIT 1) p) AS passes`,
  passEvents: `SELECT pass_id, raw FROM events WHERE pass_id = ANY($1::text[]) ORDER BY pass_id, sort_key, idempotency_key COLLATE "C"`,
  upsertPasses: `INSERT INTO passes (${PASS_COLUMNS})
    SELECT ${PASS_COLUMNS} FROM json_populate_recordset(NULL::passes, $1::json)
    ON CONFLICT (pass_id) DO UPDATE SET campaign_id = excluded.campaign_id, distribution_id = excluded.distribution_id,
      serial_number = excluded.serial_number, created_at = excluded.created_at, updated_at = excluded.updated_at,
      voided = excluded.voided, redeemed_count = excluded.redeemed_count, redeemed_at = excluded.redeemed_at,
      last_fetched_at = excluded.last_fetched_at, last_event = excluded.last_event, last_event_at = excluded.last_event_at,
      last_sort_key = excluded.last_sort_key, event_count = excluded.event_count,
      installed_devices = excluded.installed_devices, registrations = excluded.registrations,
      metadata = excluded.metadata, last_received_at = GREATEST(passes.last_received_at, excluded.last_received_at)`,
  insertRejection: `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix, message, issues)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  // Rejections counted without a row, into the connection's stripe like the insert trigger's (migration 7).
  countRejections: `INSERT INTO rejection_counts (hour, code, stripe, count)
    SELECT hour, code, pg_backend_pid() % 16, sum(n) FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS c (hour, code, n) GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (hour, code, stripe) DO UPDATE SET count = rejection_counts.count + excluded.count`,
  trimRejections: `DELETE FROM rejections WHERE id <= (SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET $1)`,
  stalePasses: stalePassesSql({ cutoff: '$1', keepQueuedSince: '$2', limit: '$3' }),
  deletePasses: `DELETE FROM passes WHERE pass_id = ANY($1::text[]) AND last_received_at < $2 RETURNING pass_id`,
  deleteEvents: `DELETE FROM events WHERE pass_id = ANY($1::text[])`,
  recentKeys: `SELECT idempotency_key, received_at FROM events WHERE pass_id = ANY($1::text[]) AND received_at > $2`,
  deleteAttempts: deletePrunedAttemptsSql('= ANY($1::text[])'),
  deleteOutbox: deletePrunedOutboxSql('= ANY($1::text[])'),
  deleteRejections: `DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < $1 ORDER BY id LIMIT $2)`,
  // Duplicates on their events and per hour answered and campaign; rows locked in key order, so two batches never wait on each other in a cycle.
  addDuplicates: `WITH seen AS (SELECT key, hour, count(*) AS n FROM unnest($1::text[], $2::bigint[]) AS d (key, hour) GROUP BY key, hour),
    locked AS (SELECT id, idempotency_key, campaign_id FROM events WHERE idempotency_key IN (SELECT key FROM seen) ORDER BY id FOR UPDATE),
    counted AS (UPDATE events SET duplicates = events.duplicates + per_event.n
      FROM (SELECT locked.id, sum(seen.n)::int AS n FROM locked JOIN seen ON seen.key = locked.idempotency_key GROUP BY locked.id) AS per_event
      WHERE events.id = per_event.id)
    INSERT INTO duplicate_counts (hour, campaign_id, stripe, count)
      SELECT seen.hour, locked.campaign_id, pg_backend_pid() % 16, sum(seen.n) FROM locked JOIN seen ON seen.key = locked.idempotency_key GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (hour, campaign_id, stripe) DO UPDATE SET count = duplicate_counts.count + excluded.count`,
  // Expired sessions go, then the ones closest to expiry past the cap, then the new one is stored.
  startSession: `WITH expired AS (DELETE FROM sessions WHERE expires_at <= $3),
    capped AS (DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at > $3 ORDER BY expires_at
      LIMIT GREATEST(0, (SELECT count(*) FROM sessions WHERE expires_at > $3) - $4)))
    INSERT INTO sessions (id_hash, expires_at) VALUES ($1, $2) ON CONFLICT (id_hash) DO UPDATE SET expires_at = excluded.expires_at`,
  // The live stream, in (inserting transaction, id) order, of rows no writer of events still running can come before (see STREAM_HORIZON).
  // (A transaction id fits a double: it passes 2^53 only after 2^21 wraparounds.)
  streamEvents: `WITH ${STREAM_HORIZON} SELECT *, xact::text AS stream_xact FROM events
    WHERE (xact, id) > ($1::xid8, $2) AND xact < (SELECT xact FROM horizon) ORDER BY xact, id LIMIT $3`,
  streamHead: `WITH ${STREAM_HORIZON} SELECT xact::text AS xact FROM horizon`,
  // An hour's counts go once the whole hour is before the cutoff.
  deleteCounts: `WITH d AS (DELETE FROM duplicate_counts WHERE hour <= $1 RETURNING 1), r AS (DELETE FROM rejection_counts WHERE hour <= $1 RETURNING 1)
    SELECT ((SELECT count(*) FROM d) + (SELECT count(*) FROM r))::int AS n`,
};

const utf8 = new TextDecoder('utf-8');
/** The most keys remembered as committed by this process and not completed yet. */
const MAX_COMMITTED = 10_000;

/**
 * The receiver's storage on PostgreSQL, for any number of instances sharing
 * one database. The events that arrive in one event-loop turn are recorded in
 * one transaction (their rows, their passes' projections, their done marks),
 * holding an advisory lock per pass so concurrent instances never lose a
 * projection update; a batch that fails is retried one event per transaction,
 * so one bad event fails alone. Schema migrations run at {@link PostgresStorage.migrate} (start-up), else on first use.
 * @example const storage = createPostgresStorage({ connectionString: process.env.DATABASE_URL });
 */
export function createPostgresStorage({ connectionString, schema, poolSize = DEFAULTS.poolSize, maxRejections = DEFAULT_MAX_REJECTIONS, queryTimeoutMs = DEFAULTS.queryTimeoutMs, now, onCommit, outbox = false, migrations }: PostgresStorageOptions): PostgresStorage {
  // The record transaction deduplicates by itself (the events' unique key): claims are reads, and the event row is the done mark.
  const store = createPostgresStore({
    connectionString,
    poolSize,
    queryTimeoutMs,
    handlerDeduplicates: true,
    handledBy: HANDLED_BY,
    ...(schema === undefined ? {} : { schema }),
    ...(now === undefined ? {} : { now }),
  });
  const { pool } = store;
  let migrated: Promise<void> | undefined;
  /** Runs `migration` once at a time; a failed one is forgotten, so the next use tries again. */
  const migrating = (migration: () => Promise<unknown>): Promise<void> => {
    migrated ??= migration().then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined; // the next call tries again
        throw isPassworksWebhookError(error) ? error : toStoreUnavailable(error, 'migrating the receiver schema');
      },
    );
    return migrated;
  };
  const ready = (): Promise<void> => migrating(() => migratePostgres(connectionString, migrations === undefined ? {} : { migrations }).then(() => store.migrate()));
  /** One read or write outside a transaction. */
  const query = async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> => {
    await ready();
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      throw toStoreUnavailable(error, doing);
    }
  };

  const recordEvents = SQL.recordEvents(outbox);

  /**
   * One transaction for the batch in four round trips: BEGIN with the pass
   * locks; the events (each its key's done mark) and outbox rows with the passes' current
   * rows; the projections; COMMIT. The hot statements are prepared once per
   * connection. The events insert is the transaction's first write (the pass
   * locks take no transaction id): the live stream's horizon relies on it
   * (see STREAM_HORIZON).
   */
  const recordTransaction = (batch: readonly EventColumns[], events: readonly UnknownPassEvent[]): Promise<RecordOutcome[]> => {
    const passIds = [...new Set(batch.map((row) => row.pass_id))];
    const receivedAt = Math.max(...batch.map((row) => row.received_at));
    return inTransaction(
      pool,
      async (client) => {
        const { rows } = await client.query<{ inserted: string[]; passes: PgPassRow[] | null }>(
          prepared(recordEvents, [JSON.stringify(batch.map(eventJsonOf)), passIds, ...(outbox ? [receivedAt] : [])]),
        );
        const inserted = new Set(rows[0]?.inserted);
        // The first of a key in the batch is the stored one; a later one (and a key stored before) is a duplicate.
        const outcomes = batch.map((row): RecordOutcome => (inserted.delete(row.idempotency_key) ? 'stored' : 'duplicate'));
        const fresh = new Map<string, Array<{ event: UnknownPassEvent; sortKey: string }>>();
        batch.forEach((row, index) => {
          if (outcomes[index] !== 'stored') return;
          const list = fresh.get(row.pass_id) ?? [];
          list.push({ event: events[index] as UnknownPassEvent, sortKey: row.sort_key });
          fresh.set(row.pass_id, list);
        });
        if (fresh.size === 0) return outcomes;
        const current = new Map((rows[0]?.passes ?? []).map((row) => [row.pass_id, passStateOf(row)]));
        const next = new Map<string, PassState>();
        const recompute: string[] = [];
        for (const [passId, list] of fresh) {
          const state = advancePass(current.get(passId), list);
          if (state === 'recompute') recompute.push(passId);
          else next.set(passId, state);
        }
        if (recompute.length > 0) {
          const stored = new Map<string, UnknownPassEvent[]>();
          for (const { pass_id, raw } of (await client.query<{ pass_id: string; raw: Buffer }>(prepared(SQL.passEvents, [recompute]))).rows) {
            const list = stored.get(pass_id) ?? [];
            list.push(JSON.parse(utf8.decode(raw)) as UnknownPassEvent);
            stored.set(pass_id, list);
          }
          for (const passId of recompute) {
            const state = projectPass(stored.get(passId) ?? []);
            if (state !== undefined) next.set(passId, state);
          }
        }
        await client.query(prepared(SQL.upsertPasses, [JSON.stringify([...next.values()].map((state) => passJsonOf(state, receivedAt)))]));
        return outcomes;
      },
      SQL.beginLocked(passIds),
    );
  };

  const recordMany = async (inputs: readonly EventToRecord[]): Promise<Outcome[]> => {
    try {
      await ready();
    } catch (error) {
      return inputs.map(() => ({ ok: false, error }));
    }
    let columns: EventColumns[];
    try {
      columns = inputs.map(({ event, idempotencyKey, raw, receivedAt }) => eventColumnsOf(event, idempotencyKey, raw, receivedAt));
    } catch {
      // An event that cannot even be turned into a row: record each alone, so only it fails.
      columns = [];
    }
    if (columns.length === inputs.length) {
      try {
        const outcomes = await recordTransaction(columns, inputs.map((input) => input.event));
        onCommit?.(inputs.length);
        return outcomes.map((value) => ({ ok: true, value }));
      } catch (error) {
        if (inputs.length === 1) return [{ ok: false, error: toStoreUnavailable(error, 'recording an event') }];
      }
    }
    // The batch failed: each event in its own transaction, so only a bad one fails.
    return Promise.all(
      inputs.map(async ({ event, idempotencyKey, raw, receivedAt }): Promise<Outcome> => {
        try {
          const [value] = await recordTransaction([eventColumnsOf(event, idempotencyKey, raw, receivedAt)], [event]);
          onCommit?.(1);
          return { ok: true, value: value as RecordOutcome };
        } catch (error) {
          return { ok: false, error: toStoreUnavailable(error, 'recording an event') };
        }
      }),
    );
  };
  const records = batchPerTurn({ execute: recordMany, maxBatchSize: 500, maxInFlight: poolSize });
  // Duplicates answered in one turn are counted by one statement (its own short transaction), apart from the events' transactions.
  const duplicates = batchPerTurn({
    execute: async (seen: ReadonlyArray<{ readonly key: string; readonly at: number }>): Promise<void[]> => {
      await query('counting duplicates', SQL.addDuplicates, [seen.map(({ key }) => key), seen.map(({ at }) => hourOf(at))]);
      return seen.map(() => undefined);
    },
    maxBatchSize: 1_000,
    maxInFlight: Math.max(1, Math.floor(poolSize / 2)),
  });

  /** Keys whose event row this process committed (stored, or found stored) and whose delivery has not completed yet. */
  const committed = new Set<string>();

  const trimEvery = Math.max(1, Math.floor(maxRejections / 10));
  let sinceTrim = trimEvery; // trim on the first insert: the table may come from an earlier run

  return {
    kind: 'postgres',
    store: {
      ...store,
      // A claim reads the events table (the done marks): the receiver's schema is migrated first.
      async claim(key, options) {
        await ready();
        return store.claim(key, options);
      },
      // A key whose row this process just committed is done: the claim is let go in memory, without asking the database again.
      async complete(key, token, outcome) {
        if (outcome !== undefined || !committed.delete(key)) return store.complete(key, token, outcome);
        await store.release(key, token);
        return true;
      },
      release(key, token) {
        committed.delete(key);
        return store.release(key, token);
      },
    },
    pool,
    ...createPostgresForward({ pool, ready, now }),
    async recordEvent(input) {
      const outcome = await records.run(input);
      if (!outcome.ok) throw outcome.error;
      committed.add(input.idempotencyKey);
      // Bounded for callers that record without completing: the oldest key left then costs its complete one statement.
      if (committed.size > MAX_COMMITTED) committed.delete(committed.values().next().value as string);
      // The event is stored and its key done: a counter that could not be written must not turn the answer into a 503.
      if (outcome.value === 'duplicate') await duplicates.run({ key: input.idempotencyKey, at: input.receivedAt }).catch(() => undefined);
      return outcome.value;
    },
    async countDuplicate(idempotencyKey, at) {
      await duplicates.run({ key: idempotencyKey, at });
    },
    async recordRejection(rejection) {
      const row = rejectionColumns(rejection);
      await query('recording a rejection', SQL.insertRejection, [
        row.received_at,
        row.status,
        storableText(row.code),
        storableText(row.event),
        storableText(row.client_address),
        storableText(row.request_id),
        row.body_bytes,
        storableText(row.body_prefix),
        storableText(row.message),
        storableText(row.issues),
      ]);
      if (++sinceTrim >= trimEvery) {
        sinceTrim = 0;
        await query('trimming rejections', SQL.trimRejections, [maxRejections]);
      }
    },
    async countRejections(counts) {
      if (counts.length === 0) return;
      await query('counting rejections', SQL.countRejections, [counts.map(({ hour }) => hour), counts.map(({ code }) => storableText(code)), counts.map(({ count }) => count)]);
    },
    async event(id) {
      const { rows } = await query<PgEventRow & OutboxColumns>('reading an event', withOutboxColumns('SELECT * FROM events WHERE id = $1'), [id]);
      return rows[0] === undefined ? undefined : withForwarding(rows[0], eventRowOf);
    },
    async events(filters, range, limit) {
      const { sql, values } = eventsQuery(POSTGRES_DIALECT, filters, range, limit);
      const { rows } = await query<PgEventRow & OutboxColumns>('listing events', sql, values);
      return rows.map((row) => withForwarding(row, eventRowOf));
    },
    async countEvents(filters) {
      const { sql, values } = eventCountQuery(POSTGRES_DIALECT, filters);
      const { rows } = await query<{ n: string }>('counting events', sql, values);
      return Number(rows[0]?.n ?? 0);
    },
    async streamHead() {
      const { rows } = await query<{ xact: string }>('reading the stream head', SQL.streamHead);
      return [Number(rows[0]?.xact ?? 0), 0];
    },
    async streamPositionOf(eventId) {
      const { rows } = await query<{ xact: string }>('reading a stream position', 'SELECT xact::text AS xact FROM events WHERE id = $1', [eventId]);
      return rows[0] === undefined ? undefined : [Number(rows[0].xact), eventId];
    },
    async streamEvents(after, limit) {
      const { rows } = await query<PgEventRow & { stream_xact: string }>('reading the stream', SQL.streamEvents, [String(after[0]), after[1], limit]);
      return rows.map(({ stream_xact, ...row }) => ({ ...eventRowOf(row), position: [Number(stream_xact), Number(row.id)] as const }));
    },
    async pass(passId) {
      const { rows } = await query<PgPassRow>('reading a pass', 'SELECT * FROM passes WHERE pass_id = $1', [passId]);
      return rows[0] === undefined ? undefined : passStateOf(rows[0]);
    },
    async timeline(passId, limit) {
      const { rows } = await query<PgEventRow>('reading a timeline', 'SELECT * FROM events WHERE pass_id = $1 ORDER BY sort_key, idempotency_key COLLATE "C" LIMIT $2', [passId, limit]);
      return rows.map(eventRowOf);
    },
    async passes(filters, afterPassId, limit) {
      const { sql, values } = passesQuery(POSTGRES_DIALECT, filters, afterPassId, limit);
      const { rows } = await query<PgPassRow>('listing passes', sql, values);
      return rows.map(passStateOf);
    },
    async rejections(filters, beforeId, limit) {
      const { sql, values } = rejectionsQuery(POSTGRES_DIALECT, filters, beforeId, limit);
      const { rows } = await query<StoredRejectionRow>('listing rejections', sql, values);
      return rows.map(rejectionRowOf);
    },
    async stats(filters) {
      const { params, ...queries } = statsSql(filters);
      const all = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
        const used = usedParams(sql, params);
        const text = sql.replace(/@(\w+)/g, (_match, name: string) => `$${used.findIndex(([other]) => other === name) + 1}`);
        return (await query<R>('counting events', text, used.map(([, value]) => value))).rows;
      };
      const [totals, byHour, passes, duplicates, rejections] = await Promise.all([
        all<{ kind: 'event' | 'campaign' | 'day'; key: string; count: string }>(queries.totals),
        all<{ hour: string; event: string; count: string }>(queries.byHour),
        all<{ campaign_id: string; passes: string }>(queries.passes),
        all<{ hour: string; count: string }>(queries.duplicates),
        all<{ hour: string; count: string }>(queries.rejections),
      ]);
      return statsOf({ totals, byHour, passes, duplicates, rejections });
    },
    async pruneStalePasses(cutoffMs, chunk, { keepQueuedSinceMs, now }) {
      await ready();
      try {
        return await inTransaction(pool, async (client) => {
          const ids = (await client.query<{ pass_id: string }>(SQL.stalePasses, [cutoffMs, keepQueuedSinceMs, chunk])).rows.map((row) => row.pass_id);
          if (ids.length === 0) return { passes: 0, events: 0, gone: 0, last: true };
          // The recorder's lock: a pass receiving an event right now is not deleted under it (and is re-checked as stale).
          await client.query(SQL.lockPasses, [ids]);
          const deleted = (await client.query<{ pass_id: string }>(SQL.deletePasses, [ids, cutoffMs])).rows.map((row) => row.pass_id);
          let gone = 0;
          if (deleted.length > 0) {
            await client.query(SQL.deleteAttempts, [deleted]);
            await client.query(SQL.deleteOutbox, [deleted]);
            gone = await deadLetterPruned(client, deleted, now);
            // The rows were the done marks: a key received within the store's TTL keeps a mark of its own, so a late copy is still a duplicate.
            const recent = (await client.query<{ idempotency_key: string; received_at: string }>(SQL.recentKeys, [deleted, cutoffMs - store.doneTtlMs])).rows;
            await store.keepDone(recent.map((row) => ({ key: row.idempotency_key, doneAt: Number(row.received_at) })), client);
          }
          const events = deleted.length === 0 ? 0 : ((await client.query(SQL.deleteEvents, [deleted])).rowCount ?? 0);
          return { passes: deleted.length, events, gone, last: ids.length < chunk };
        });
      } catch (error) {
        throw toStoreUnavailable(error, 'pruning passes');
      }
    },
    async pruneRejections(cutoffMs, chunk) {
      return (await query('pruning rejections', SQL.deleteRejections, [cutoffMs, chunk])).rowCount ?? 0;
    },
    async pruneCounts(cutoffMs) {
      const { rows } = await query<{ n: number }>('pruning counts', SQL.deleteCounts, [cutoffMs - HOUR_MS]);
      return rows[0]?.n ?? 0;
    },
    async pruneKeys() {
      return store.prune();
    },
    async startSession(idHash, expiresAt, now, maxSessions) {
      await query('starting a session', SQL.startSession, [idHash, expiresAt, now, maxSessions - 1]);
    },
    async sessionExpiry(idHash, now) {
      const { rows } = await query<{ expires_at: string }>('reading a session', 'SELECT expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2', [idHash, now]);
      return rows[0] === undefined ? undefined : Number(rows[0].expires_at);
    },
    async endSession(idHash) {
      await query('ending a session', 'DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },
    async ping() {
      await query('checking the database', 'SELECT 1');
    },
    async sizeBytes() {
      const { rows } = await query<{ size: string }>('measuring the database', 'SELECT pg_database_size(current_database()) AS size');
      return Number(rows[0]?.size ?? 0);
    },
    migrate(options = {}) {
      // A start-up migration already under way or done (first use) is awaited instead.
      return migrating(() => migrateAtStart(connectionString, { ...(migrations === undefined ? {} : { migrations }), ...options, after: () => store.migrate() }));
    },
    async close() {
      await records.drain();
      await duplicates.drain();
      await store.close();
    },
  };
}
