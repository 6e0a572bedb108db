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
export function asStoreUnavailable(error: unknown, message = 'the event could not be stored; retry later'): unknown {
  if (!isDatabaseFailure(error)) return error;
  return new PassworksWebhookError('store_unavailable', message, { cause: error });
}

/**
 * `storage` with its `reads` answering a database failure as
 * `store_unavailable` (the read API's 503 with `Retry-After`), as the
 * PostgreSQL storage's reads do; anything else (a bug) is passed on
 * unchanged. The write path is left as it is: its group commit rejects with
 * `store_unavailable` already.
 */
export function withUnavailableReads<T extends object, K extends keyof T>(storage: T, reads: readonly K[]): T {
  const wrapped: T = { ...storage };
  for (const name of reads) {
    const read = storage[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = (async (...args: unknown[]) => {
      try {
        return await read.apply(storage, args);
      } catch (error) {
        throw asStoreUnavailable(error, 'the database could not be read; retry later');
      }
    }) as T[K];
  }
  return wrapped;
}
