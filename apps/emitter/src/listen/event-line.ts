/** One relayed (or tailed) event, as printed. */
export interface EventOutcome {
  readonly id: number;
  readonly event: string;
  readonly passId: string;
  /** The local app's status; undefined when not forwarded (a tail) or when it could not be reached. */
  readonly status?: number;
  readonly ms?: number;
  /** Why an attempt failed without a status (connection refused...). */
  readonly error?: string;
  /** When it will be tried again, for a failed attempt. */
  readonly retryInMs?: number;
  readonly at: Date;
}

const clock = (at: Date): string => at.toISOString().replace('T', ' ').slice(0, 19);

/**
 * The terminal line of an event, after `stripe listen`:
 * `2026-12-07 01:02:03  --> redeemed  pass 6f1c…  #42  <-- [200] 12 ms`.
 */
export function eventLine(outcome: EventOutcome): string {
  const head = `${clock(outcome.at)}  --> ${outcome.event}  pass ${outcome.passId}  #${outcome.id}`;
  const retry = outcome.retryInMs === undefined ? '' : `  (retry in ${(outcome.retryInMs / 1000).toFixed(1)} s)`;
  if (outcome.error !== undefined) return `${head}  <-- [ERR] ${outcome.error}${retry}\n`;
  if (outcome.status === undefined) return `${head}\n`;
  return `${head}  <-- [${outcome.status}] ${outcome.ms ?? 0} ms${retry}\n`;
}

/** The `--json` line of an event. */
export function eventJsonLine(outcome: EventOutcome): string {
  return `${JSON.stringify({ time: outcome.at.toISOString(), id: outcome.id, event: outcome.event, pass_id: outcome.passId, status: outcome.status ?? null, ms: outcome.ms ?? null, error: outcome.error ?? null, retry_in_ms: outcome.retryInMs ?? null })}\n`;
}
