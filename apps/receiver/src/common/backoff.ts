/** Options of {@link retryDelayMs}. */
export interface BackoffOptions {
  /** The delay before the second attempt, doubled after each failure. */
  readonly baseMs: number;
  /** The longest computed delay. */
  readonly maxMs: number;
  /** The longest `Retry-After` honoured (a larger one is cut to this). */
  readonly retryAfterMaxMs: number;
}

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP-date
 * (RFC 9110 section 10.2.3), as milliseconds from `now`; undefined when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The delay before the next attempt after `failures` failed ones: exponential
 * with "equal jitter" (half fixed, half random, so retries from many events
 * spread out), and never shorter than the receiver's `Retry-After` (capped).
 * @example retryDelayMs(3, undefined, { baseMs: 1_000, maxMs: 300_000, retryAfterMaxMs: 600_000 }) // 2000..4000
 */
export function retryDelayMs(
  failures: number,
  retryAfter: number | undefined,
  { baseMs, maxMs, retryAfterMaxMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  const jittered = Math.round(exponential / 2 + (exponential / 2) * random());
  return retryAfter === undefined ? jittered : Math.max(jittered, Math.min(retryAfter, retryAfterMaxMs));
}
