import type { ValidationIssue } from '@passworks-webhooks/core';
import { DEFAULTS } from '../common/defaults.js';

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
  const kept =
    issues === undefined || issues.length === 0 ? undefined : issues.slice(0, MAX_REJECTION_ISSUES).map(({ path, message: text }) => ({ path, message: text }));
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

/** The most rejections kept unless the storage is told otherwise (`maxRejections`). */
export const DEFAULT_MAX_REJECTIONS = DEFAULTS.maxRejections;
