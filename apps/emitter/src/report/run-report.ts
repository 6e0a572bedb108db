import type { FaultOptions } from '../delivery/plan-deliveries.js';
import type { DeliveryResult } from '../delivery/deliver.js';
import type { Campaign } from '../simulator/campaign.js';
import type { PassTruth } from '../simulator/ground-truth.js';
import type { Simulation } from '../simulator/simulate.js';
import type { DeliveryRecord } from './delivery-record.js';
import type { DeliverySummary } from './summarize.js';

/** The settings of a run, as written in its report (never the API key). */
export interface RunSettings {
  /** The target URL without credentials or query, or `handler` for an in-process handler. */
  readonly target: string;
  readonly seed: number | string;
  readonly passes: number;
  readonly scenario: string;
  readonly concurrency: number;
  readonly rate_per_second: number;
  readonly timeout_ms: number;
  readonly max_retries: number;
  readonly faults: FaultOptions;
}

/** The report of a run: what was sent, what each answer was, and the ground truth. */
export interface RunReport {
  readonly tool: 'passworks-emitter';
  readonly report_version: 1;
  readonly settings: RunSettings;
  /** Whether every valid event was accepted and no faulty delivery was. */
  readonly ok: boolean;
  readonly summary: DeliverySummary;
  readonly campaigns: readonly Campaign[];
  /** The final state of every pass as the platform knows it. */
  readonly truth: readonly PassTruth[];
  readonly deliveries: readonly DeliveryRecord[];
}

/** A URL safe to write down: no user, password, query or fragment (any of them could hold a secret). */
export function safeTarget(target: string): string {
  try {
    const url = new URL(target);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

/** Builds the report of a run from its simulation and delivery result. */
export function createRunReport(settings: RunSettings, simulation: Simulation, result: DeliveryResult): RunReport {
  return {
    tool: 'passworks-emitter',
    report_version: 1,
    settings,
    ok: result.ok,
    summary: result.summary,
    campaigns: simulation.campaigns,
    truth: simulation.truth,
    deliveries: result.deliveries,
  };
}

/** Reads a report back (from `JSON.parse` of a report file), checking its shape enough to use it. */
export function parseRunReport(value: unknown): RunReport {
  const report = value as Partial<RunReport> | null;
  if (report === null || typeof report !== 'object' || report.tool !== 'passworks-emitter' || !Array.isArray(report.truth)) {
    throw new RangeError('report: expected a passworks-emitter run report (with "tool" and "truth")');
  }
  return report as RunReport;
}
