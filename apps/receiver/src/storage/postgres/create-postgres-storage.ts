import pg from 'pg';
import { isPassworksWebhookError, type UnknownPassEvent } from '@passworks-webhooks/core';
import { batchPerTurn, createPostgresStore, prepared, toStoreUnavailable, type PostgresStore } from '@passworks-webhooks/postgres';
import { DEFAULTS } from '../../common/defaults.js';
import { advancePass } from '../../projection/advance-pass.js';
import { EVENT_COLUMN_NAMES, eventColumnsOf, type EventColumns } from '../../projection/event-columns.js';
import { projectPass, type PassState } from '../../projection/pass-state.js';
import { committedKeys } from '../committed-keys.js';
import { HANDLED_BY } from '../handled-by.js';
import { DEFAULT_MAX_REJECTIONS } from '../rejection.js';
import { hourOf } from '../sql/stats-queries.js';
import type { EventToRecord, RecordOutcome, Storage } from '../storage.js';
import { inTransaction } from './in-transaction.js';
import { migrateAtStart, type MigrateAtStartOptions } from './migrate-at-start.js';
import { migratePostgres } from './migrate-postgres.js';
import type { PostgresMigration } from './migrations.js';
import { passLocks } from './pass-locks.js';
import { createPostgresForward } from './postgres-forward.js';
import { createPostgresQuery } from './postgres-query.js';
import { createPostgresReads } from './postgres-reads.js';
import { createPostgresRejections } from './postgres-rejections.js';
import { createPostgresRetention } from './postgres-retention.js';
import { createPostgresSessions } from './postgres-sessions.js';
import { eventJsonOf, passJsonOf, passStateOf, type PgPassRow } from './rows.js';
import { PASS_COLUMN_NAMES, passUpsertConflictSql } from '../sql/pass-upsert-sql.js';

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

const PASS_COLUMNS = PASS_COLUMN_NAMES.join(', ');
const EVENT_COLUMNS = EVENT_COLUMN_NAMES.join(', ');

const SQL = {
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
    ${passUpsertConflictSql('GREATEST')}`,
  // Duplicates on their events and per hour answered and campaign; rows locked in key order, so two batches never wait on each other in a cycle.
  addDuplicates: `WITH seen AS (SELECT key, hour, count(*) AS n FROM unnest($1::text[], $2::bigint[]) AS d (key, hour) GROUP BY key, hour),
    locked AS (SELECT id, idempotency_key, campaign_id FROM events WHERE idempotency_key IN (SELECT key FROM seen) ORDER BY id FOR UPDATE),
    counted AS (UPDATE events SET duplicates = events.duplicates + per_event.n
      FROM (SELECT locked.id, sum(seen.n)::int AS n FROM locked JOIN seen ON seen.key = locked.idempotency_key GROUP BY locked.id) AS per_event
      WHERE events.id = per_event.id)
    INSERT INTO duplicate_counts (hour, campaign_id, stripe, count)
      SELECT seen.hour, locked.campaign_id, pg_backend_pid() % 16, sum(seen.n) FROM locked JOIN seen ON seen.key = locked.idempotency_key GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (hour, campaign_id, stripe) DO UPDATE SET count = duplicate_counts.count + excluded.count`,
};

const utf8 = new TextDecoder('utf-8');

/**
 * The receiver's storage on PostgreSQL, for any number of instances sharing
 * one database. The events that arrive in one event-loop turn are recorded in
 * one transaction (their rows, their passes' projections, their done marks),
 * holding an advisory lock per pass so concurrent instances never lose a
 * projection update; a batch that fails is retried one event per transaction,
 * so one bad event fails alone. Schema migrations run at {@link PostgresStorage.migrate} (start-up), else on first use.
 * @example const storage = createPostgresStorage({ connectionString: process.env.DATABASE_URL });
 */
export function createPostgresStorage({
  connectionString,
  schema,
  poolSize = DEFAULTS.poolSize,
  maxRejections = DEFAULT_MAX_REJECTIONS,
  queryTimeoutMs = DEFAULTS.queryTimeoutMs,
  now,
  onCommit,
  outbox = false,
  migrations,
}: PostgresStorageOptions): PostgresStorage {
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
  const ready = (): Promise<void> =>
    migrating(() => migratePostgres(connectionString, migrations === undefined ? {} : { migrations }).then(() => store.migrate()));
  const query = createPostgresQuery(pool, ready);

  const recordEvents = SQL.recordEvents(outbox);

  /**
   * One transaction for the batch in four round trips: BEGIN with the pass
   * locks; the events (each its key's done mark) and outbox rows with the passes' current
   * rows; the projections; COMMIT. The hot statements are prepared once per
   * connection. The events insert is the transaction's first write (the pass
   * locks take no transaction id): the live stream's horizon relies on it
   * (see STREAM_HORIZON in postgres-reads.ts).
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
        const outcomes = await recordTransaction(
          columns,
          inputs.map((input) => input.event),
        );
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

  const done = committedKeys(store);

  return {
    kind: 'postgres',
    store: {
      ...done.store,
      // A claim reads the events table (the done marks): the receiver's schema is migrated first.
      async claim(key, options) {
        await ready();
        return store.claim(key, options);
      },
    },
    pool,
    ...createPostgresForward({ pool, ready, now }),
    ...createPostgresRejections(query, maxRejections),
    ...createPostgresReads(query),
    ...createPostgresRetention({ pool, ready, store, query }),
    ...createPostgresSessions(query),
    async recordEvent(input) {
      const outcome = await records.run(input);
      if (!outcome.ok) throw outcome.error;
      done.committed(input.idempotencyKey);
      // The event is stored and its key done: a counter that could not be written must not turn the answer into a 503.
      if (outcome.value === 'duplicate') await duplicates.run({ key: input.idempotencyKey, at: input.receivedAt }).catch(() => undefined);
      return outcome.value;
    },
    async countDuplicate(idempotencyKey, at) {
      await duplicates.run({ key: idempotencyKey, at });
    },
    migrate(options = {}) {
      // A start-up migration already under way or done (first use) is awaited instead.
      return migrating(() =>
        migrateAtStart(connectionString, { ...(migrations === undefined ? {} : { migrations }), ...options, after: () => store.migrate() }),
      );
    },
    async close() {
      await records.drain();
      await duplicates.drain();
      await store.close();
    },
  };
}
