import type { TableName } from './table-name.js';

/**
 * The store's time, as SQL: the injected clock's epoch milliseconds when the
 * parameter is set, else the database server's clock, so every process on
 * every host compares leases against one clock.
 */
const clock = (parameter: number): string => `COALESCE(TIMESTAMPTZ 'epoch' + $${parameter}::bigint * INTERVAL '1 millisecond', statement_timestamp())`;

/** The SQL text of every statement of the store, for one table. */
export interface Statements {
  /** $1 keys, $2 tokens, $3 lease ms (arrays, one entry per claim), $4 now: one row per key (key, claimed, state, outcome). */
  readonly claim: string;
  /** $1 keys, $2 tokens, $5 outcomes as JSON text or null (arrays, distinct keys), $3 done TTL ms, $4 now: one row per key (key, completed). */
  readonly complete: string;
  /** $1 key, $2 token. */
  readonly release: string;
  /** The done mark of a list of keys, its parameters numbered from `first`: keys (array), done TTL ms, now, outcome (JSON text or null). */
  markDone(first: number): string;
  /** $1 key, $2 token, $3 lease ms, $4 now. */
  readonly renew: string;
  /** $1 key, $2 now: a row when the key is done. */
  readonly isDone: string;
  /**
   * With `handlerDeduplicates`: $1 keys (distinct), $2 now: one row per key
   * (key, state, outcome, handled), a read that writes nothing.
   */
  readonly lookup: string;
  /** $1 keys, $2 done-at epoch ms (arrays), $3 done TTL ms, $4 now: marks each key done until its done-at + TTL, when that is still ahead. */
  readonly keepDone: string;
  /** $1 now. */
  readonly prune: string;
}

/** The caller's own table whose unique column holds a key once its handler stored it (`handledBy`), as quoted SQL. */
export interface HandledBy {
  /** `"table"` or `"schema"."table"`. */
  readonly table: string;
  /** `"column"`. */
  readonly column: string;
}

/**
 * Builds the {@link Statements} of `table`. With `handledBy`, a key the
 * caller's table holds counts as done: its row is the done mark.
 */
export function statements({ sql: table }: TableName, handledBy?: HandledBy): Statements {
  // Every read of one row by its key is a LATERAL subquery with LIMIT 1: it stays a per-key index probe
  // whatever the planner thinks of the table's size. (A prepared statement's generic plan, made while a
  // table was small, would otherwise hash or scan the whole table on every call until the next ANALYZE.)
  /** The key's live row of the store's table (any state), as `k` (state, outcome). */
  const liveRow = (key: string): string =>
    `LEFT JOIN LATERAL (SELECT state, outcome FROM ${table} WHERE key = ${key} AND expires_at > clock.now LIMIT 1) k ON TRUE`;
  /** The key's live done mark, as `d` (key). */
  const doneRow = (key: string): string =>
    `LEFT JOIN LATERAL (SELECT key FROM ${table} WHERE key = ${key} AND state = 'done' AND expires_at > clock.now LIMIT 1) d ON TRUE`;
  /** The caller's row of the key (`handledBy`), as `h` (handled: TRUE, or NULL without a row). */
  const handledRow = (key: string): string =>
    handledBy === undefined
      ? 'CROSS JOIN (SELECT NULL::boolean AS handled) h'
      : `LEFT JOIN LATERAL (SELECT TRUE AS handled FROM ${handledBy.table} WHERE ${handledBy.column} = ${key} LIMIT 1) h ON TRUE`;
  return {
    // One statement: insert, or take over a row whose lease (or TTL) ran out.
    // The conflicting row is only written when it expired; for the others the
    // outcome (done or in flight) is read in the same statement. Keys are
    // inserted in sorted order so two batches never wait on each other in a cycle.
    claim: `WITH clock AS (SELECT ${clock(4)} AS now),
input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i (key, token, lease_ms)),
taken AS (
  INSERT INTO ${table} AS k (key, state, token, expires_at)
  SELECT i.key, 'pending', i.token, clock.now + i.lease_ms * INTERVAL '1 millisecond' FROM input i CROSS JOIN clock ORDER BY i.key
  ON CONFLICT (key) DO UPDATE SET state = 'pending', token = excluded.token, expires_at = excluded.expires_at, outcome = NULL
    WHERE k.expires_at <= (SELECT now FROM clock)
  RETURNING k.key
)
SELECT i.key, t.key IS NOT NULL AS claimed, k.state, k.outcome
FROM input i CROSS JOIN clock
LEFT JOIN taken t ON t.key = i.key
${liveRow('i.key')}`,
    // Done already (marked in the caller's transaction, or held by its table):
    // nothing is written, not even a row lock, so the statement commits without a WAL flush.
    // Keys must be distinct within one call (a row is written at most once per statement).
    complete: `WITH clock AS (SELECT ${clock(4)} AS now),
input AS (
  SELECT i.*, d.key IS NOT NULL AS done, h.handled IS NOT NULL AS handled
  FROM unnest($1::text[], $2::text[], $5::text[]) AS i (key, token, outcome) CROSS JOIN clock
  ${doneRow('i.key')}
  ${handledRow('i.key')}
),
marked AS (
  INSERT INTO ${table} AS k (key, state, token, expires_at, outcome)
  SELECT i.key, 'done', NULL, clock.now + $3::bigint * INTERVAL '1 millisecond', i.outcome::jsonb FROM input i CROSS JOIN clock
  WHERE NOT i.done AND (i.outcome IS NOT NULL OR NOT i.handled)
  ORDER BY i.key
  ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome
    WHERE k.token = (SELECT i.token FROM input i WHERE i.key = k.key) OR k.expires_at <= (SELECT now FROM clock)
  RETURNING k.key
)
SELECT i.key, m.key IS NOT NULL OR i.done OR (i.outcome IS NULL AND i.handled) AS completed
FROM input i LEFT JOIN marked m ON m.key = i.key`,
    release: `DELETE FROM ${table} WHERE key = $1::text AND state = 'pending' AND token = $2::text`,
    // Usable alone or as a data-modifying WITH in the caller's own statement.
    markDone: (first) => `INSERT INTO ${table} AS k (key, state, token, expires_at, outcome)
SELECT DISTINCT key, 'done', NULL::text, ${clock(first + 2)} + $${first + 1}::bigint * INTERVAL '1 millisecond', $${first + 3}::jsonb FROM unnest($${first}::text[]) AS key ORDER BY key
ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome`,
    renew: `UPDATE ${table} SET expires_at = ${clock(4)} + $3::bigint * INTERVAL '1 millisecond'
WHERE key = $1::text AND state = 'pending' AND token = $2::text`,
    isDone: `WITH clock AS (SELECT ${clock(2)} AS now)
SELECT 1 FROM (SELECT $1::text AS key) i CROSS JOIN clock
${doneRow('i.key')}
${handledRow('i.key')}
WHERE d.key IS NOT NULL OR h.handled IS NOT NULL`,
    lookup: `WITH clock AS (SELECT ${clock(2)} AS now)
SELECT i.key, k.state, k.outcome, h.handled IS NOT NULL AS handled
FROM unnest($1::text[]) AS i (key) CROSS JOIN clock
${liveRow('i.key')}
${handledRow('i.key')}`,
    // A mark already there keeps the later expiry (and its outcome).
    keepDone: `WITH clock AS (SELECT ${clock(4)} AS now)
INSERT INTO ${table} AS k (key, state, token, expires_at)
SELECT DISTINCT ON (i.key) i.key, 'done', NULL::text, TIMESTAMPTZ 'epoch' + (i.done_at + $3::bigint) * INTERVAL '1 millisecond'
FROM unnest($1::text[], $2::bigint[]) AS i (key, done_at) CROSS JOIN clock
WHERE TIMESTAMPTZ 'epoch' + (i.done_at + $3::bigint) * INTERVAL '1 millisecond' > clock.now
ORDER BY i.key, i.done_at DESC
ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = GREATEST(k.expires_at, excluded.expires_at)`,
    prune: `DELETE FROM ${table} WHERE expires_at <= ${clock(1)}`,
  };
}
