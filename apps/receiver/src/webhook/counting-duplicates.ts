import type { ClaimResult, IdempotencyStore, Logger } from '@passworks-webhooks/core';

/**
 * The pipeline's idempotency store, counting duplicates: a claim that finds
 * its key done (the delivery is answered `200` with `"duplicate": true`)
 * first adds one to the stored event's `duplicates` (`count`, batched with
 * the turn's other writes). A refusal stored with the key is not a duplicate.
 * Counting never changes the answer: a failure is logged.
 */
export function countingDuplicates(store: IdempotencyStore, count: (key: string) => Promise<void>, logger: Logger): IdempotencyStore {
  const counted = async (key: string, result: ClaimResult): Promise<ClaimResult> => {
    if (result.status === 'done' && result.outcome === undefined) {
      try {
        await count(key);
      } catch (error) {
        logger.warn({ idempotency_key: key, err: error instanceof Error ? error.message : String(error) }, 'a duplicate could not be counted');
      }
    }
    return result;
  };
  return {
    async claim(key, options) {
      return counted(key, await store.claim(key, options));
    },
    renew: (key, token, options) => store.renew(key, token, options),
    complete: (key, token, outcome) => store.complete(key, token, outcome),
    release: (key, token) => store.release(key, token),
    close: () => store.close?.(),
  };
}
