/** Spaces request starts to at most `perSecond` a second (0: no limit). */
export interface RateLimiter {
  /** Resolves when the next request may start. */
  take(): Promise<void>;
}

/** Creates a {@link RateLimiter} that hands out evenly spaced start slots. */
export function createRateLimiter(perSecond: number, sleep: (ms: number) => Promise<void>): RateLimiter {
  if (!Number.isFinite(perSecond) || perSecond < 0) throw new RangeError(`rate: expected a number >= 0, got ${String(perSecond)}`);
  if (perSecond === 0) return { take: () => Promise.resolve() };
  const spacingMs = 1000 / perSecond;
  let nextSlot = 0;
  return {
    take() {
      const now = performance.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + spacingMs;
      return slot - now >= 1 ? sleep(slot - now) : Promise.resolve();
    },
  };
}
