import type { TableName } from './table-name.js';

/**
 * The store's time, as SQL: the injected clock's epoch milliseconds when the
 * parameter is set, else the database server's clock, so every process on
 * every host compares leases against one clock.
 */
const clock = (parameter: number): string =>
  `COALESCE(TIMESTAMPTZ 'epoch' + $${parameter}::bigint * INTERVAL '1 millisecond', statement_timestamp())`;

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
  /** $1 now. */
  readonly prune: string;
}

/**
 * Builds the {@link Statements} of `table`. With `handlerDeduplicates` (the
 * handlers' own transaction keeps each event once), a claim's commit does
 * not wait for its WAL flush (`synchronous_commit` off for that statement's
 * transaction only).
 */
export function statements({ sql: table }: TableName, handlerDeduplicates = false): Statements {
  const claimClock = handlerDeduplicates ? `${clock(4)} AS now, set_config('synchronous_commit', 'off', true) AS commit_mode` : `${clock(4)} AS now`;
  return {
    // One statement: insert, or take over a row whose lease (or TTL) ran out.
    // The conflicting row is only written when it expired; for the others the
    // outcome (done or in flight) is read in the same statement. Keys are
    // inserted in sorted order so two batches never wait on each other in a cycle.
    claim: `WITH clock AS (SELECT ${claimClock}),
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
LEFT JOIN ${table} k ON k.key = i.key AND k.expires_at > clock.now`,
    // Done already (marked in the caller's transaction): nothing is written,
    // not even a row lock, so the statement commits without a WAL flush.
    // Keys must be distinct within one call (a row is written at most once per statement).
    complete: `WITH clock AS (SELECT ${clock(4)} AS now),
input AS (SELECT * FROM unnest($1::text[], $2::text[], $5::text[]) AS i (key, token, outcome)),
marked AS (
  INSERT INTO ${table} AS k (key, state, token, expires_at, outcome)
  SELECT i.key, 'done', NULL, clock.now + $3::bigint * INTERVAL '1 millisecond', i.outcome::jsonb FROM input i CROSS JOIN clock
  WHERE NOT EXISTS (SELECT 1 FROM ${table} d WHERE d.key = i.key AND d.state = 'done' AND d.expires_at > clock.now)
  ORDER BY i.key
  ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome
    WHERE k.token = (SELECT i.token FROM input i WHERE i.key = k.key) OR k.expires_at <= (SELECT now FROM clock)
  RETURNING k.key
)
SELECT i.key, m.key IS NOT NULL OR d.key IS NOT NULL AS completed
FROM input i CROSS JOIN clock
LEFT JOIN marked m ON m.key = i.key
LEFT JOIN ${table} d ON d.key = i.key AND d.state = 'done' AND d.expires_at > clock.now`,
    release: `DELETE FROM ${table} WHERE key = $1::text AND state = 'pending' AND token = $2::text`,
    // Usable alone or as a data-modifying WITH in the caller's own statement.
    markDone: (first) => `INSERT INTO ${table} AS k (key, state, token, expires_at, outcome)
SELECT DISTINCT key, 'done', NULL::text, ${clock(first + 2)} + $${first + 1}::bigint * INTERVAL '1 millisecond', $${first + 3}::jsonb FROM unnest($${first}::text[]) AS key ORDER BY key
ON CONFLICT (key) DO UPDATE SET state = 'done', token = NULL, expires_at = excluded.expires_at, outcome = excluded.outcome`,
    renew: `UPDATE ${table} SET expires_at = ${clock(4)} + $3::bigint * INTERVAL '1 millisecond'
WHERE key = $1::text AND state = 'pending' AND token = $2::text`,
    isDone: `SELECT 1 FROM ${table} WHERE key = $1::text AND state = 'done' AND expires_at > ${clock(2)}`,
    prune: `DELETE FROM ${table} WHERE expires_at <= ${clock(1)}`,
  };
}
