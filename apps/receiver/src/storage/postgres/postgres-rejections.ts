import { rejectionColumns } from '../rejection.js';
import { storableText } from '../storable-text.js';
import type { Storage } from '../storage.js';
import type { PostgresQuery } from './postgres-query.js';

const SQL = {
  insertRejection: `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix, message, issues)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  // Rejections counted without a row, into the connection's stripe like the insert trigger's (migration 7).
  countRejections: `INSERT INTO rejection_counts (hour, code, stripe, count)
    SELECT hour, code, pg_backend_pid() % 16, sum(n) FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS c (hour, code, n) GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (hour, code, stripe) DO UPDATE SET count = rejection_counts.count + excluded.count`,
  trimRejections: `DELETE FROM rejections WHERE id <= (SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET $1)`,
};

/** Rejected deliveries on PostgreSQL: their capped rows, and the counts without a row. */
export type PostgresRejections = Pick<Storage, 'recordRejection' | 'countRejections'>;

/**
 * {@link PostgresRejections} through `query`. Anyone can send a rejected
 * request, so the table is capped: every tenth of `maxRejections` inserts,
 * the oldest rows past the newest `maxRejections` are deleted.
 */
export function createPostgresRejections(query: PostgresQuery, maxRejections: number): PostgresRejections {
  const trimEvery = Math.max(1, Math.floor(maxRejections / 10));
  let sinceTrim = trimEvery; // trim on the first insert: the table may come from an earlier run

  return {
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
      await query('counting rejections', SQL.countRejections, [
        counts.map(({ hour }) => hour),
        counts.map(({ code }) => storableText(code)),
        counts.map(({ count }) => count),
      ]);
    },
  };
}
