import { DELIVERY_KINDS, type DeliveryKind } from '../delivery/plan-deliveries.js';
import type { DeliveryRecord } from './delivery-record.js';

/** The counts of a run. */
export interface DeliverySummary {
  /** Deliveries sent (every kind, each counted once however many attempts). */
  readonly sent: number;
  /** HTTP attempts made. */
  readonly attempts: number;
  /** Deliveries finally answered 2xx, not marked duplicate. */
  readonly accepted: number;
  /** Deliveries finally answered 2xx and marked duplicate. */
  readonly duplicates: number;
  /** Deliveries not finally answered 2xx, by final status (`timeout` / `network` when nothing came back). */
  readonly rejected_by_status: Readonly<Record<string, number>>;
  /** Deliveries that needed more than one attempt. */
  readonly retried: number;
  /** Valid deliveries (or duplicates) never accepted after every retry. */
  readonly failed: number;
  /** Faulty deliveries (bad body, bad key, oversized) answered 2xx. */
  readonly invalid_accepted: number;
  /** Faulty deliveries answered with something other than a 4xx (a 5xx or nothing): not accepted, but not a clean rejection. */
  readonly faulty_not_4xx: number;
  /** Deliveries per kind. */
  readonly by_kind: Readonly<Record<DeliveryKind, number>>;
  readonly duration_ms: number;
  /** Deliveries per second over the run. */
  readonly deliveries_per_second: number;
}

/** Counts a run's deliveries. */
export function summarize(records: readonly DeliveryRecord[], durationMs: number): DeliverySummary {
  const rejected: Record<string, number> = {};
  const byKind = Object.fromEntries(DELIVERY_KINDS.map((kind) => [kind, 0])) as Record<DeliveryKind, number>;
  let attempts = 0;
  let accepted = 0;
  let duplicates = 0;
  let retried = 0;
  let failed = 0;
  let invalidAccepted = 0;
  let faultyNot4xx = 0;
  for (const record of records) {
    byKind[record.kind] += 1;
    attempts += record.attempts.length;
    if (record.attempts.length > 1) retried += 1;
    if (record.outcome === 'accepted') accepted += 1;
    else if (record.outcome === 'duplicate') duplicates += 1;
    else {
      const last = record.attempts[record.attempts.length - 1];
      const key = last === undefined ? 'none' : last.status === null ? (last.error ?? 'network') : String(last.status);
      rejected[key] = (rejected[key] ?? 0) + 1;
    }
    if (record.expected === 'accepted' && !record.ok) failed += 1;
    if (record.expected === 'rejected') {
      if (record.outcome === 'accepted' || record.outcome === 'duplicate') invalidAccepted += 1;
      else if (record.outcome !== 'rejected') faultyNot4xx += 1;
    }
  }
  const sortedRejected = Object.fromEntries(Object.entries(rejected).sort(([a], [b]) => a.localeCompare(b)));
  return {
    sent: records.length,
    attempts,
    accepted,
    duplicates,
    rejected_by_status: sortedRejected,
    retried,
    failed,
    invalid_accepted: invalidAccepted,
    faulty_not_4xx: faultyNot4xx,
    by_kind: byKind,
    duration_ms: Math.round(durationMs),
    deliveries_per_second: durationMs > 0 ? Math.round((records.length / durationMs) * 1000) : 0,
  };
}
