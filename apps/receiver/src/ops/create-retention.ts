import type { Logger } from '@passworks-webhooks/core';
import type { ForwarderHooks } from '../forward/create-forwarder.js';
import { DEFAULTS } from '../common/defaults.js';
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
  /**
   * The forwarder's maximum age (`FORWARD_MAX_AGE_MS`): a pass with an event
   * queued for forwarding more recently than this is kept, whatever its age.
   * @default 86_400_000 (24 h)
   */
  readonly forwardMaxAgeMs?: number | undefined;
  /** The forwarding metrics, which count each event dead-lettered as `gone` (undefined without forwarding). */
  readonly hooks?: ForwarderHooks | undefined;
}

/** Pruning: what one run deleted. */
export interface PruneResult {
  readonly passes: number;
  readonly events: number;
  readonly rejections: number;
  /** Events still queued for forwarding past `forwardMaxAgeMs`, dead-lettered as `gone` with their pass. */
  readonly gone: number;
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
 *
 * An event still queued for forwarding is never deleted silently: its pass
 * is kept while the event was queued within `forwardMaxAgeMs` (it may still
 * be delivered); past that, it is dead-lettered (`failed`, with a `gone`
 * attempt) as its pass is deleted, logged at `warn` and counted in the
 * forwarding metrics.
 * @example const retention = createRetention({ storage, retentionDays: 30, now: Date.now, logger });
 */
export function createRetention({
  storage,
  retentionDays,
  now,
  logger,
  intervalMs = 3_600_000,
  forwardMaxAgeMs = DEFAULTS.forwardMaxAgeMs,
  hooks = {},
}: RetentionOptions): Retention {
  const prune = async (): Promise<PruneResult> => {
    let passes = 0;
    let events = 0;
    let rejections = 0;
    let gone = 0;
    if (retentionDays > 0) {
      const at = now();
      const cutoff = at - retentionDays * DAY_MS;
      for (;;) {
        const chunk = await storage.pruneStalePasses(cutoff, CHUNK, { keepQueuedSinceMs: at - forwardMaxAgeMs, now: at });
        passes += chunk.passes;
        events += chunk.events;
        gone += chunk.gone;
        for (let i = 0; i < chunk.gone; i++) {
          hooks.attempt?.('gone', null, 0);
          hooks.deadLetter?.();
        }
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
    if (gone > 0)
      logger.warn({ events: gone, forward_max_age_ms: forwardMaxAgeMs }, 'retention dead-lettered events still queued for forwarding (gone) with their passes');
    if (passes + rejections > 0) logger.info({ passes, events, rejections, gone, retention_days: retentionDays }, 'retention pruned old data');
    return { passes, events, rejections, gone };
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
