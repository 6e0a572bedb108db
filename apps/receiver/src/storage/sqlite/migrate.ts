import type Database from 'better-sqlite3';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';

/**
 * Brings the database to {@link SCHEMA_VERSION} in one `BEGIN IMMEDIATE`
 * transaction (so processes starting together apply each step once), and
 * refuses a database written by a newer version.
 * @returns the versions applied now (empty when already current)
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.length;
  const apply = db.transaction((): number[] => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > latest) {
      throw new PassworksWebhookError(
        'invalid_config',
        `the database ${db.name} has schema version ${current}, written by a newer passworks-receiver; this version knows schema ${latest} at most. Upgrade passworks-receiver, or point DATABASE_PATH at another file.`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    }
    return applied;
  });
  return apply.immediate();
}

export { SCHEMA_VERSION };
