import type pg from 'pg';
import { toStoreUnavailable, type PostgresStore } from '@passworks-webhooks/postgres';
import { deletePrunedAttemptsSql, deletePrunedOutboxSql, stalePassesSql } from '../sql/outbox-retention-sql.js';
import { HOUR_MS } from '../sql/stats-queries.js';
import type { Storage } from '../storage.js';
import { inTransaction } from './in-transaction.js';
import { LOCK_PASSES } from './pass-locks.js';
import { deadLetterPruned } from './postgres-forward.js';
import type { PostgresQuery } from './postgres-query.js';

const SQL = {
  lockPasses: LOCK_PASSES,
  stalePasses: stalePassesSql({ cutoff: '$1', keepQueuedSince: '$2', limit: '$3' }),
  deletePasses: `DELETE FROM passes WHERE pass_id = ANY($1::text[]) AND last_received_at < $2 RETURNING pass_id`,
  deleteEvents: `DELETE FROM events WHERE pass_id = ANY($1::text[])`,
  recentKeys: `SELECT idempotency_key, received_at FROM events WHERE pass_id = ANY($1::text[]) AND received_at > $2`,
  deleteAttempts: deletePrunedAttemptsSql('= ANY($1::text[])'),
  deleteOutbox: deletePrunedOutboxSql('= ANY($1::text[])'),
  deleteRejections: `DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < $1 ORDER BY id LIMIT $2)`,
  // An hour's counts go once the whole hour is before the cutoff.
  deleteCounts: `WITH d AS (DELETE FROM duplicate_counts WHERE hour <= $1 RETURNING 1), r AS (DELETE FROM rejection_counts WHERE hour <= $1 RETURNING 1)
    SELECT ((SELECT count(*) FROM d) + (SELECT count(*) FROM r))::int AS n`,
};

/** The PostgreSQL storage's retention: stale passes with their events and outbox rows, old rejections, old hourly counts, expired keys. */
export type PostgresRetention = Pick<Storage, 'pruneStalePasses' | 'pruneRejections' | 'pruneCounts' | 'pruneKeys'>;

/** {@link PostgresRetention} on `pool` (a stale pass goes in one transaction, under the recorder's pass lock). */
export function createPostgresRetention({
  pool,
  ready,
  store,
  query,
}: {
  readonly pool: pg.Pool;
  readonly ready: () => Promise<void>;
  readonly store: PostgresStore;
  readonly query: PostgresQuery;
}): PostgresRetention {
  return {
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
            await store.keepDone(
              recent.map((row) => ({ key: row.idempotency_key, doneAt: Number(row.received_at) })),
              client,
            );
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
  };
}
