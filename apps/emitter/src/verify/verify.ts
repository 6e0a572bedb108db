import type { EventName } from '@passworks-webhooks/core';
import type { RunReport } from '../report/run-report.js';
import { comparePass, type Difference } from './compare-pass.js';
import { mapPassList, mapPassState, mapStats, receiverRoutes } from './receiver-mapping.js';

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** The run report (its `truth` and `campaigns`). */
  readonly report: Pick<RunReport, 'truth' | 'campaigns'>;
  /** The receiver's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly receiverUrl: string;
  /** The receiver's admin token (`Authorization: Bearer ...`). Never printed or stored. */
  readonly adminToken: string;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Per-request timeout. @default 10_000 */
  readonly timeoutMs?: number;
}

/** The outcome of {@link verify}. */
export interface VerifyReport {
  /** Whether the receiver's state equals the ground truth. */
  readonly pass: boolean;
  readonly passes_checked: number;
  readonly differences: readonly Difference[];
}

/** A read API request that did not answer 200 with JSON. */
export class ReceiverError extends Error {
  override readonly name = 'ReceiverError';
  readonly status: number | undefined;
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = status;
  }
}

/**
 * Compares the reference receiver's pass states and event counts with a
 * run's ground truth and lists every difference: per pass (counts, voided,
 * last fetch, live registrations, last event, events per name), passes the
 * receiver has that the run did not create, and events per name per campaign.
 * @example
 * const result = await verify({ report, receiverUrl: 'http://127.0.0.1:8080', adminToken });
 * for (const d of result.differences) console.log(d.pass_id, d.field, d.expected, d.actual);
 */
export async function verify({ report, receiverUrl, adminToken, concurrency = 8, timeoutMs = 10_000 }: VerifyOptions): Promise<VerifyReport> {
  if (typeof adminToken !== 'string' || adminToken === '') throw new RangeError('adminToken: expected a non-empty string');
  let base: URL;
  try {
    base = new URL(receiverUrl);
  } catch (cause) {
    throw new RangeError(`receiverUrl: expected an http(s) URL, got ${JSON.stringify(receiverUrl)}`, { cause });
  }
  const get = async (route: string): Promise<{ status: number; json: unknown }> => {
    let response: Response;
    try {
      response = await fetch(new URL(route, base), {
        headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new ReceiverError(`GET ${route} failed: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, cause);
    }
    const body = await response.text();
    if (response.status === 404) return { status: 404, json: undefined };
    if (response.status !== 200)
      throw new ReceiverError(`GET ${route} answered ${response.status}: ${body.split(adminToken).join('[redacted]').slice(0, 200)}`, response.status);
    try {
      return { status: 200, json: JSON.parse(body) as unknown };
    } catch (cause) {
      throw new ReceiverError(`GET ${route} answered something that is not JSON`, 200, cause);
    }
  };

  const differences: Difference[] = [];
  const truth = report.truth;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < truth.length) {
      const pass = truth[next++];
      if (pass === undefined) return;
      const { status, json } = await get(receiverRoutes.pass(pass.pass_id));
      if (status === 404) differences.push({ pass_id: pass.pass_id, field: 'pass', expected: 'stored', actual: 'not found' });
      else differences.push(...comparePass(pass, mapPassState(json)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));

  const known = new Set(truth.map((pass) => pass.pass_id));
  for (const campaign of report.campaigns) {
    let cursor: string | null = null;
    do {
      const page = mapPassList((await get(receiverRoutes.passList(campaign.campaign_id, cursor))).json);
      for (const passId of page.pass_ids)
        if (!known.has(passId)) differences.push({ pass_id: passId, field: 'pass', expected: 'not created by this run', actual: 'stored' });
      cursor = page.next_cursor;
    } while (cursor !== null);
    const expected: Record<string, number> = {};
    for (const pass of truth) {
      if (pass.campaign_id !== campaign.campaign_id) continue;
      for (const [name, count] of Object.entries(pass.event_counts) as [EventName, number][]) if (count > 0) expected[name] = (expected[name] ?? 0) + count;
    }
    const actual = mapStats((await get(receiverRoutes.stats(campaign.campaign_id))).json);
    for (const name of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
      if ((expected[name] ?? 0) !== (actual[name] ?? 0)) {
        differences.push({ pass_id: null, field: `stats[${campaign.campaign_id}].${name}`, expected: expected[name] ?? 0, actual: actual[name] ?? 0 });
      }
    }
  }
  differences.sort((a, b) => (a.pass_id ?? '').localeCompare(b.pass_id ?? '') || a.field.localeCompare(b.field));
  return { pass: differences.length === 0, passes_checked: truth.length, differences };
}
