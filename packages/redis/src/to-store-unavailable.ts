import { PassworksWebhookError, isPassworksWebhookError } from '@passworks-webhooks/core';

/**
 * Wraps a Redis failure (connection refused or lost, the client offline, no
 * answer in time, an error reply such as `READONLY` or `OOM`) as
 * `store_unavailable`, so the pipeline answers 503 with `Retry-After`.
 * Errors of the toolkit pass through unchanged.
 */
export function toStoreUnavailable(cause: unknown, doing: string): PassworksWebhookError {
  if (isPassworksWebhookError(cause)) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new PassworksWebhookError('store_unavailable', `Redis failed while ${doing}: ${detail}`, { cause });
}
