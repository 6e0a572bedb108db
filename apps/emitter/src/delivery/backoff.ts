import type { Random } from '../random/create-random.js';

/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** The first retry's base delay. @default 500 */
  readonly baseMs?: number;
  /** The largest delay. @default 60_000 */
  readonly maxMs?: number;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential
 * (`baseMs * 2^(retry-1)`, capped at `maxMs`) with "equal jitter" (a random
 * point in the upper half), so retries of a burst spread out but never come
 * back sooner than half the nominal delay.
 */
export function backoffDelayMs(retry: number, random: Random, { baseMs = 500, maxMs = 60_000 }: BackoffOptions = {}): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(nominal / 2 + random.next() * (nominal / 2));
}

/** `Retry-After` in ms (delay-seconds, or an HTTP date counted from `now`), or 0 when absent, past or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number {
  if (header === undefined || header.trim() === '') return 0;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}
