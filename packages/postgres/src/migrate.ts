import type { Pool, PoolClient } from 'pg';
import type { TableName } from './table-name.js';

/**
 * The SQL that creates (or brings up to date) the store's table, statement by
 * statement. Every statement is idempotent; {@link migrate} runs them in one
 * transaction under an advisory lock, so processes starting together do not
 * race on `CREATE TABLE IF NOT EXISTS`.
 */
export function migrationStatements({ schema, sql: table }: TableName): readonly string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS ${table} (
  key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  token text,
  expires_at timestamptz NOT NULL
)`,
    // A refusal's answer (status, code, message), given to every later claim of the key.
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS outcome jsonb`,
  ];
}

/**
 * Runs {@link migrationStatements} in one transaction holding
 * `pg_advisory_xact_lock` on a key derived from the table's name: concurrent
 * starters wait for the first one, then find everything created.
 */
export async function migrate(pool: Pool, table: TableName): Promise<void> {
  const client: PoolClient = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`passworks-webhooks:${table.sql}`]);
    for (const statement of migrationStatements(table)) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A connection that failed mid-transaction is not put back in the pool.
    client.release(failed);
  }
}
