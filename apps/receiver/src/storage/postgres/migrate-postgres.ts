import type pg from 'pg';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { inTransaction } from './in-transaction.js';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './migrations.js';

/**
 * Brings the database to the latest {@link POSTGRES_MIGRATIONS} step in one
 * transaction holding an advisory lock, so instances starting together apply
 * each step once; refuses a database written by a newer receiver.
 * @returns the versions applied now (empty when already current)
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('passworks-receiver:migrations', 0))`);
    await client.query(`CREATE TABLE IF NOT EXISTS passworks_receiver_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM passworks_receiver_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new PassworksWebhookError(
        'invalid_config',
        `the PostgreSQL database has receiver schema version ${current}, written by a newer passworks-receiver; this version knows schema ${migrations.length} at most. Upgrade passworks-receiver, or point DATABASE_URL at another database.`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO passworks_receiver_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      applied.push(migration.version);
    }
    return applied;
  });
}
