import type pg from 'pg';
import { toStoreUnavailable } from '@passworks-webhooks/postgres';

/** One read or write outside a transaction, after the schema is migrated; a failure rejects with `store_unavailable` naming what was being done. */
export type PostgresQuery = <R extends pg.QueryResultRow>(doing: string, text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

/** {@link PostgresQuery} on `pool`, awaiting `ready` (the migration) first. */
export function createPostgresQuery(pool: pg.Pool, ready: () => Promise<void>): PostgresQuery {
  return async <R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> => {
    await ready();
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      throw toStoreUnavailable(error, doing);
    }
  };
}
