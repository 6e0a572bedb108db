import type { DeliverOptions, DeliveryResult } from '../delivery/deliver.js';
import { safeTarget } from '../report/run-report.js';
import { UsageError } from './cli-io.js';
import { numberFlag } from './parse-flags.js';

/** The delivery engine's retry flags (every sending command). */
export const RETRY_FLAGS = {
  'timeout-ms': { type: 'string' },
  'max-retries': { type: 'string' },
  'backoff-ms': { type: 'string' },
  'time-scale': { type: 'string' },
} as const;

/** Its pacing flags (commands sending many events). */
export const PACING_FLAGS = { concurrency: { type: 'string' }, rate: { type: 'string' } } as const;

type Values = Record<string, string | boolean | undefined>;

/** The {@link deliver} options of the retry and pacing flags (their defaults when absent). */
export function deliveryOptionsOf(
  values: Values,
): Required<Pick<DeliverOptions, 'concurrency' | 'ratePerSecond' | 'timeoutMs' | 'maxRetries' | 'backoffBaseMs' | 'timeScale'>> {
  return {
    concurrency: numberFlag(values, 'concurrency', 16, { min: 1, max: 10_000 }),
    ratePerSecond: numberFlag(values, 'rate', 0, { min: 0, max: 1_000_000, integer: false }),
    timeoutMs: numberFlag(values, 'timeout-ms', 10_000, { min: 1, max: 2_147_483_647 }),
    maxRetries: numberFlag(values, 'max-retries', 5, { min: 0, max: 100 }),
    backoffBaseMs: numberFlag(values, 'backoff-ms', 500, { min: 0 }),
    timeScale: numberFlag(values, 'time-scale', 1, { min: 0, max: 1000, integer: false }),
  };
}

/** The URL as shown (no credentials or query); a usage error when it is no URL, before anything is sent. */
export function shownTarget(url: string): string {
  const target = safeTarget(url);
  if (target === '[invalid url]') throw new UsageError(`--url: expected an http(s) URL, got ${JSON.stringify(url)}`);
  return target;
}

/** A delivery result as text: the summary in two lines, then the first deliveries not as expected. */
export function summaryLines({ summary, deliveries }: DeliveryResult): string[] {
  const rejected =
    Object.entries(summary.rejected_by_status)
      .map(([status, count]) => `${status}:${count}`)
      .join(' ') || 'none';
  return [
    `sent ${summary.sent} · accepted ${summary.accepted} · duplicates ${summary.duplicates} · rejected ${rejected} · retried ${summary.retried} · failed ${summary.failed} · invalid accepted ${summary.invalid_accepted}`,
    `${summary.attempts} attempts in ${(summary.duration_ms / 1000).toFixed(1)} s (${summary.deliveries_per_second} deliveries/s)`,
    ...deliveries
      .filter((delivery) => !delivery.ok)
      .slice(0, 10)
      .map((d) => `  not ok: #${d.id} ${d.kind} ${d.event} ${d.pass_id} expected ${d.expected}, got ${d.attempts.map((a) => a.status ?? a.error).join(',')}`),
  ];
}
