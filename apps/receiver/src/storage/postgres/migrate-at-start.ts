import { PassworksWebhookError, isPassworksWebhookError } from '@passworks-webhooks/core';
import { redactedUrl } from '../../common/redacted-url.js';
import { retryDelayMs } from '../../common/backoff.js';
import { causeOf, migrateOn, openMigrationClient, type MigratePostgresOptions } from './migrate-postgres.js';

/** Where {@link migrateAtStart} reports: a pino logger fits. */
export interface MigrationLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link migrateAtStart}. */
export interface MigrateAtStartOptions extends MigratePostgresOptions {
  /** The most attempts before start-up gives up. @default 5 */
  readonly attempts?: number;
  /** The wait after the first failed attempt, doubled after each one (with jitter). @default 1_000 */
  readonly backoffBaseMs?: number;
  /** The longest wait between attempts. @default 8_000 */
  readonly backoffMaxMs?: number;
  /** Each failure (with its cause), the lock wait and the steps applied. */
  readonly log?: MigrationLog;
  /** Work to do on the database after the receiver's steps, in the same attempt (the idempotency store's table). */
  readonly after?: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start-up's migration: connects, then migrates, before the receiver listens.
 * A first connection that fails ends start-up at once (a wrong host, port,
 * user or database name does not mend itself: the caller exits with the
 * line). A failure after that (a lock held past `lockTimeoutMs`, a lost
 * connection, a deadlock) is logged with its cause and tried again after a
 * growing wait, up to `attempts` in all. A database written by a newer
 * receiver is refused at once.
 * @returns the versions applied
 * @throws PassworksWebhookError `store_unavailable` naming the URL (password hidden) and the cause, or `invalid_config`
 */
export async function migrateAtStart(connectionString: string, options: MigrateAtStartOptions = {}): Promise<number[]> {
  const { attempts = 5, backoffBaseMs = 1_000, backoffMaxMs = 8_000, log, after } = options;
  const shown = redactedUrl(connectionString);
  for (let attempt = 1; ; attempt++) {
    let lastError: unknown;
    let client: Awaited<ReturnType<typeof openMigrationClient>> | undefined;
    try {
      client = await openMigrationClient(connectionString, options);
    } catch (error) {
      if (attempt === 1) throw error;
      lastError = error;
    }
    if (client !== undefined) {
      try {
        const applied = await migrateOn(client, {
          ...options,
          onLockWait: () => log?.info({ database: shown }, 'waiting for another receiver to finish migrating the database'),
        });
        await after?.();
        if (applied.length > 0) log?.info({ database: shown, applied }, 'database schema migrated');
        return applied;
      } catch (error) {
        if (isPassworksWebhookError(error) && error.code === 'invalid_config') throw error;
        lastError = error;
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const cause = causeOf(lastError);
    if (attempt >= attempts) {
      throw new PassworksWebhookError('store_unavailable', `cannot migrate the database at ${shown} (${attempts} attempts): ${cause}`, { cause: lastError });
    }
    const retryInMs = retryDelayMs(attempt, undefined, { baseMs: backoffBaseMs, maxMs: backoffMaxMs, retryAfterMaxMs: backoffMaxMs });
    log?.warn({ database: shown, attempt, attempts, retry_in_ms: retryInMs, err: cause }, 'the database schema could not be migrated: trying again');
    await sleep(retryInMs);
  }
}
