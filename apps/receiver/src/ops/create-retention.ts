import type Database from 'better-sqlite3';
import type { Logger } from '@passworks-webhooks/core';
import type { SqliteStore } from '@passworks-webhooks/sqlite';

/** Options of {@link createRetention}. */
export interface RetentionOptions {
  readonly db: Database.Database;
  readonly store: SqliteStore;
  /** Days to keep; 0 keeps everything. */
  readonly retentionDays: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often pruning runs. @default 3_600_000 (hourly) */
  readonly intervalMs?: number;
}

/** Pruning: what one run deleted. */
export interface PruneResult {
  readonly passes: number;
  readonly events: number;
  readonly rejections: number;
}

/** Pruning on an interval (and on demand); `stop()` ends the interval. */
export interface Retention {
  prune(): Promise<PruneResult>;
  stop(): void;
}

const DAY_MS = 86_400_000;
const CHUNK = 500;

/**
 * Retention pruning. A pass that received nothing for `retentionDays` is
 * deleted with all its events (so a projection always matches its stored
 * events); rejections older than that are deleted; expired idempotency keys
 * are dropped. Deletes run in chunks through the group commit, so deliveries
 * keep flowing.
 */
export function createRetention({ db, store, retentionDays, now, logger, intervalMs = 3_600_000 }: RetentionOptions): Retention {
  const stalePasses = db.prepare<[number, number], string>('SELECT pass_id FROM passes WHERE last_received_at < ? LIMIT ?').pluck();
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE pass_id = ?');
  const deletePass = db.prepare<[string]>('DELETE FROM passes WHERE pass_id = ?');
  const deleteRejections = db.prepare<[number, number]>('DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE received_at < ? LIMIT ?)');
  const prune = async (): Promise<PruneResult> => {
    let passes = 0;
    let events = 0;
    let rejections = 0;
    if (retentionDays > 0) {
      const cutoff = now() - retentionDays * DAY_MS;
      for (;;) {
        // The work returns its counts instead of adding to ours: group commit may run it twice (see GroupCommit.run).
        const chunk = await store.groupCommit.run(() => {
          const ids = stalePasses.all(cutoff, CHUNK);
          const deleted = { passes: 0, events: 0, last: ids.length < CHUNK };
          for (const id of ids) {
            deleted.events += deleteEvents.run(id).changes;
            deleted.passes += deletePass.run(id).changes;
          }
          return deleted;
        });
        passes += chunk.passes;
        events += chunk.events;
        if (chunk.last) break;
      }
      for (;;) {
        const deleted = await store.groupCommit.run(() => deleteRejections.run(cutoff, CHUNK).changes);
        rejections += deleted;
        if (deleted < CHUNK) break;
      }
    }
    await store.prune();
    if (passes + rejections > 0) logger.info({ passes, events, rejections, retention_days: retentionDays }, 'retention pruned old data');
    return { passes, events, rejections };
  };
  const run = (): void => {
    prune().catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'retention pruning failed'));
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    prune,
    stop() {
      clearInterval(timer);
    },
  };
}
