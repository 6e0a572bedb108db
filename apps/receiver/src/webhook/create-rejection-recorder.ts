import type Database from 'better-sqlite3';
import type { ValidationIssue } from '@passworks-webhooks/core';

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
  /** The reason as the sender was told it: the answer's `error.message`. */
  readonly message?: string | undefined;
  /** The answer's `error.issues` (an `invalid_event`'s problems); at most {@link MAX_REJECTION_ISSUES} are kept. */
  readonly issues?: readonly ValidationIssue[] | undefined;
}

/** How many issues of one rejection are kept. */
export const MAX_REJECTION_ISSUES = 20;

const utf8 = new TextDecoder('utf-8');

/** The columns of one `rejections` row, as both dialects write them (`issues` as JSON text). */
export interface RejectionColumns {
  readonly received_at: number;
  readonly status: number;
  readonly code: string;
  readonly event: string | null;
  readonly client_address: string | null;
  readonly request_id: string;
  readonly body_bytes: number;
  readonly body_prefix: string;
  readonly message: string | null;
  readonly issues: string | null;
}

/**
 * The row of a rejection: the first {@link BODY_PREFIX_BYTES} body bytes as
 * text, the bytes that arrived, the message the sender was told, and at most
 * {@link MAX_REJECTION_ISSUES} issues as JSON.
 * @example rejectionColumns(rejection).body_prefix
 */
export function rejectionColumns({ receivedAt, status, code, event, clientAddress, requestId, body, bytesRead, message, issues }: Rejection): RejectionColumns {
  const kept = issues === undefined || issues.length === 0 ? undefined : issues.slice(0, MAX_REJECTION_ISSUES).map(({ path, message: text }) => ({ path, message: text }));
  return {
    received_at: receivedAt,
    status,
    code,
    event: event ?? null,
    client_address: clientAddress ?? null,
    request_id: requestId,
    body_bytes: Math.max(body?.byteLength ?? 0, bytesRead ?? 0),
    body_prefix: body === undefined ? '' : utf8.decode(body.subarray(0, BODY_PREFIX_BYTES)),
    message: message ?? null,
    issues: kept === undefined ? null : JSON.stringify(kept),
  };
}

/** Writes one rejection row: synchronous, inside a transaction. */
export type RejectionRecorder = (rejection: Rejection) => void;

/** The most rejections kept unless {@link createRejectionRecorder} is told otherwise. */
export const DEFAULT_MAX_REJECTIONS = 100_000;

/**
 * Prepares the insert of {@link RejectionRecorder}. Anyone can send a
 * rejected request, so the table is capped: every tenth of `maxRejections`
 * inserts, the oldest rows past the newest `maxRejections` are deleted.
 */
export function createRejectionRecorder(db: Database.Database, maxRejections = DEFAULT_MAX_REJECTIONS): RejectionRecorder {
  const insert = db.prepare(
    `INSERT INTO rejections (received_at, status, code, event, client_address, request_id, body_bytes, body_prefix, message, issues)
     VALUES (@received_at, @status, @code, @event, @client_address, @request_id, @body_bytes, @body_prefix, @message, @issues)`,
  );
  const trim = db.prepare('DELETE FROM rejections WHERE id <= (SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET ?)');
  const every = Math.max(1, Math.floor(maxRejections / 10));
  let sinceTrim = every; // trim on the first insert: the table may come from an earlier run
  return (rejection) => {
    insert.run(rejectionColumns(rejection));
    if (++sinceTrim >= every) {
      sinceTrim = 0;
      trim.run(maxRejections);
    }
  };
}
