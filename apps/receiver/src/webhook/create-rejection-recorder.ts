import type Database from 'better-sqlite3';

/** How many bytes of a rejected body are kept: enough to see what was sent. */
export const BODY_PREFIX_BYTES = 256;

/** One rejected delivery, as recorded. Headers (and so the API key) are never part of it. */
export interface Rejection {
  readonly receivedAt: number;
  readonly status: number;
  readonly code: string;
  readonly event: string | undefined;
  readonly clientAddress: string | undefined;
  readonly requestId: string;
  readonly body: Uint8Array | undefined;
  /** How many body bytes arrived, when more than `body` holds (a body refused or cut short). @default the length of `body` */
  readonly bytesRead?: number;
}

/** Writes one rejection row: synchronous, inside a transaction. */
export type RejectionRecorder = (rejection: Rejection) => void;

const utf8 = new TextDecoder('utf-8');

/** The most rejections kept unless {@link createRejectionRecorder} is told otherwise. */
export const DEFAULT_MAX_REJECTIONS = 100_000;

/**
 * Prepares the insert of {@link RejectionRecorder}. Anyone can send a
 * rejected request, so the table is capped: every tenth of `maxRejections`
 * inserts, the oldest rows past the newest `maxRejections` are deleted.
 */
export function createRejectionRecorder(db: Database.Database, maxRejections = DEFAULT_MAX_REJECTIONS): RejectionRecorder {
  const insert = db.prepare(
    `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trim = db.prepare('DELETE FROM rejections WHERE id <= (SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET ?)');
  const every = Math.max(1, Math.floor(maxRejections / 10));
  let sinceTrim = every; // trim on the first insert: the table may come from an earlier run
  return ({ receivedAt, status, code, event, clientAddress, requestId, body, bytesRead }) => {
    const prefix = body === undefined ? '' : utf8.decode(body.subarray(0, BODY_PREFIX_BYTES));
    insert.run(receivedAt, status, code, event ?? null, clientAddress ?? null, requestId, Math.max(body?.byteLength ?? 0, bytesRead ?? 0), prefix);
    if (++sinceTrim >= every) {
      sinceTrim = 0;
      trim.run(maxRejections);
    }
  };
}
