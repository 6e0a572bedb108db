import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/** The durability modes: `normal` survives a process crash, `full` also a power loss (an fsync per commit). */
export const DURABILITY_MODES = ['normal', 'full'] as const;

/** One of {@link DURABILITY_MODES}. */
export type Durability = (typeof DURABILITY_MODES)[number];

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** The database file; its folder is created. `:memory:` works for tests of one process. */
  readonly path: string;
  /**
   * `normal`: WAL with `synchronous=NORMAL` (a committed transaction survives a
   * process crash; the last ones may roll back on power loss).
   * `full`: WAL with `synchronous=FULL` (an fsync per commit: survives power loss).
   * @default 'normal'
   */
  readonly durability?: Durability;
  /** How long a write waits for another process's lock before failing with SQLITE_BUSY. @default 5_000 */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens a better-sqlite3 database set up for several processes sharing one
 * file: WAL journal, `busy_timeout`, and the chosen `synchronous` level.
 * @example const db = openDatabase({ path: './data/passworks.db', durability: 'full' });
 */
export function openDatabase({ path, durability = 'normal', busyTimeoutMs = 5_000 }: OpenDatabaseOptions): Database.Database {
  if (typeof path !== 'string' || path.length === 0) throw new PassworksWebhookError('invalid_config', `path: expected a file path, got ${JSON.stringify(path)}`);
  if (!DURABILITY_MODES.includes(durability)) {
    throw new PassworksWebhookError('invalid_config', `durability: expected one of ${DURABILITY_MODES.join(', ')}, got ${JSON.stringify(durability)}`);
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new PassworksWebhookError('invalid_config', `busyTimeoutMs: expected an integer >= 0, got ${String(busyTimeoutMs)}`);
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
