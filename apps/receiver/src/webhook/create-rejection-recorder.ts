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
}

/** Writes one rejection row: synchronous, inside a transaction. */
export type RejectionRecorder = (rejection: Rejection) => void;

const utf8 = new TextDecoder('utf-8');

/** Prepares the insert of {@link RejectionRecorder}. */
export function createRejectionRecorder(db: Database.Database): RejectionRecorder {
  const insert = db.prepare(
    `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return ({ receivedAt, status, code, event, clientAddress, requestId, body }) => {
    const prefix = body === undefined ? '' : utf8.decode(body.subarray(0, BODY_PREFIX_BYTES));
    insert.run(receivedAt, status, code, event ?? null, clientAddress ?? null, requestId, body?.byteLength ?? 0, prefix);
  };
}
