import type { Logger } from '@passworks-webhooks/core';
import type { Storage } from '../storage/storage.js';

/** Options of {@link createRetention}. */
export interface RetentionOptions {
  readonly storage: Storage;
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
 * are dropped. Deletes run in chunks (one transaction each), so deliveries
 * keep flowing.
 */
export function createRetention({ storage, retentionDays, now, logger, intervalMs = 3_600_000 }: RetentionOptions): Retention {
  const prune = async (): Promise<PruneResult> => {
    let passes = 0;
    let events = 0;
    let rejections = 0;
    if (retentionDays > 0) {
      const cutoff = now() - retentionDays * DAY_MS;
      for (;;) {
        const chunk = await storage.pruneStalePasses(cutoff, CHUNK);
        passes += chunk.passes;
        events += chunk.events;
        if (chunk.last) break;
      }
      for (;;) {
        const deleted = await storage.pruneRejections(cutoff, CHUNK);
        rejections += deleted;
        if (deleted < CHUNK) break;
      }
      // The stats' hourly duplicate and rejection counts of the same period (event counts follow their events' deletes).
      await storage.pruneCounts(cutoff);
    }
    await storage.pruneKeys();
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
