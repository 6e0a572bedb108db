import type { Logger } from '@passworks-webhooks/core';
import { hourOf } from '../storage/sql/stats-queries.js';
import type { RejectionCount, Storage } from '../storage/storage.js';
import type { Rejection } from '../storage/rejection.js';

/** Codes answered before the API key was accepted (or without it being looked at): anyone on the network can cause them. */
export const UNAUTHENTICATED_CODES: ReadonlySet<string> = new Set([
  'method_not_allowed',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'malformed_request',
  'request_timeout',
  'headers_too_large',
]);

/** Bounds of {@link createRejectionBudget}. */
export interface RejectionBudgetOptions {
  readonly storage: Pick<Storage, 'recordRejection' | 'countRejections'>;
  readonly logger: Logger;
  /** Rows one client address gets per window for unauthenticated rejections. @default 10 */
  readonly rowsPerAddress?: number;
  /** Rows all addresses together get per window for unauthenticated rejections. @default 1_000 */
  readonly rowsPerWindow?: number;
  /** The window, on the rejections' `receivedAt` clock. @default 60_000 */
  readonly windowMs?: number;
  /** Addresses tracked at once; past it a new address gets no row until a window ends. @default 10_000 */
  readonly maxAddresses?: number;
}

/** Where the receiver sends every rejected request. */
export interface RejectionBudget {
  /** Records a rejection: a row when the budget allows, else only its count. Never throws; failures are logged. */
  record(rejection: Rejection): void;
  /** Resolves once every row and count handed over so far is written (or failed and logged). */
  flush(): Promise<void>;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Bounds what an unauthenticated client can make the receiver write. A
 * rejection answered before the key was accepted ({@link UNAUTHENTICATED_CODES})
 * gets a row only while its client address has had fewer than
 * `rowsPerAddress` such rows in the current window (and all addresses fewer
 * than `rowsPerWindow`); past that it is only counted. Counts are added up in
 * memory per hour and code and written in one statement, one at a time
 * (counts arriving meanwhile wait for the next), so the stats stay exact
 * while a flood costs a statement per database round trip instead of a row
 * per request. A rejection after the key was accepted (the platform's own
 * 4xx and 5xx) always gets its row.
 * @example const rejections = createRejectionBudget({ storage, logger }); rejections.record(rejection);
 */
export function createRejectionBudget({
  storage,
  logger,
  rowsPerAddress = 10,
  rowsPerWindow = 1_000,
  windowMs = 60_000,
  maxAddresses = 10_000,
}: RejectionBudgetOptions): RejectionBudget {
  const perAddress = new Map<string, { start: number; rows: number }>();
  let window = { start: Number.NEGATIVE_INFINITY, rows: 0 };
  const pending = new Map<string, { hour: number; code: string; count: number }>();
  const writing = new Set<Promise<void>>();
  let counting: Promise<void> | undefined;

  /** Whether this unauthenticated rejection from `address` may have a row, taking it from the budgets if so. */
  const allowRow = (address: string, at: number): boolean => {
    if (at - window.start >= windowMs) window = { start: at, rows: 0 };
    let spent = perAddress.get(address);
    if (spent === undefined || at - spent.start >= windowMs) {
      if (spent === undefined && perAddress.size >= maxAddresses) {
        for (const [other, { start }] of perAddress) if (at - start >= windowMs) perAddress.delete(other);
        if (perAddress.size >= maxAddresses) return false;
      }
      spent = { start: at, rows: 0 };
      perAddress.set(address, spent);
    }
    if (spent.rows >= rowsPerAddress || window.rows >= rowsPerWindow) return false;
    spent.rows += 1;
    window.rows += 1;
    return true;
  };

  const track = (write: Promise<void>): void => {
    writing.add(write);
    void write.finally(() => writing.delete(write));
  };

  /** Writes the counts gathered so far in one statement; counts that arrive meanwhile go in the next. */
  const writeCounts = (): void => {
    if (counting !== undefined || pending.size === 0) return;
    const counts: RejectionCount[] = [...pending.values()];
    pending.clear();
    counting = storage
      .countRejections(counts)
      .catch((error: unknown) => {
        logger.error({ err: errorText(error), rejections: counts.reduce((sum, { count }) => sum + count, 0) }, 'rejected deliveries could not be counted');
      })
      .finally(() => {
        counting = undefined;
        writeCounts();
      });
    track(counting);
  };

  return {
    record(rejection) {
      if (!UNAUTHENTICATED_CODES.has(rejection.code) || allowRow(rejection.clientAddress ?? '', rejection.receivedAt)) {
        track(
          storage.recordRejection(rejection).catch((error: unknown) => {
            logger.error({ err: errorText(error) }, 'a rejected delivery could not be recorded');
          }),
        );
        return;
      }
      const hour = hourOf(rejection.receivedAt);
      const key = `${hour} ${rejection.code}`;
      const count = pending.get(key);
      if (count === undefined) pending.set(key, { hour, code: rejection.code, count: 1 });
      else count.count += 1;
      // After the current turn: the rejections of one turn share the statement.
      if (pending.size === 1 && count === undefined) setImmediate(writeCounts);
    },
    async flush() {
      writeCounts();
      while (writing.size > 0) await Promise.all(writing);
    },
  };
}
