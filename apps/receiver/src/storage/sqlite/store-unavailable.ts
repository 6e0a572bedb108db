import Database from 'better-sqlite3';
import { PassworksWebhookError, isPassworksWebhookError } from '@passworks-webhooks/core';

/**
 * Whether `error` is a failure of the database rather than of the event:
 * an SQLite error (full disk, I/O error, lock, constraint) or a group commit
 * batch that could not commit (`store_unavailable`).
 */
export function isDatabaseFailure(error: unknown): boolean {
  return error instanceof Database.SqliteError || (isPassworksWebhookError(error) && error.code === 'store_unavailable');
}

/**
 * Turns a database failure on the webhook path into `store_unavailable`
 * (the pipeline answers 503 with `Retry-After` and releases the key, so the
 * platform's retry stores the event once the fault clears). The sender gets
 * a generic message; the SQLite detail stays in `cause`, for the log.
 * Anything else (a bug) is returned unchanged.
 */
export function asStoreUnavailable(error: unknown): unknown {
  if (!isDatabaseFailure(error)) return error;
  return new PassworksWebhookError('store_unavailable', 'the event could not be stored; retry later', { cause: error });
}
