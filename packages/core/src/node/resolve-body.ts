import type { IncomingMessage } from 'node:http';
import { PassworksWebhookError, requestError } from '../errors.js';
import { minJsonBytes } from './min-json-bytes.js';
import { readBody } from './read-body.js';

/** A request as connect-style body parsers leave it: `body` set, and body-parser's `_body` flag once it read the stream. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  _body?: unknown;
}

/**
 * The body for the pipeline: bytes or text (raw), or a value a parser
 * already produced; or why there is none.
 */
export type ResolveBodyResult =
  | { readonly ok: true; readonly body: Uint8Array | string | unknown; readonly bytesRead: number }
  | { readonly ok: false; readonly error: PassworksWebhookError; readonly bytesRead: number };

/** Whether something before us read the stream: body-parser's flag, or the stream's own state (as `on-finished` tells it). */
function streamConsumed(req: ParsedRequest): boolean {
  return req._body === true || req.readableEnded || (req.complete && !req.readable);
}

const hasOwnKeys = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length > 0;

/**
 * The request body, whatever ran before: when no parser read the stream,
 * it is read here within `limitBytes` ({@link readBody}); when one did, what
 * it left is used (a Buffer as bytes, a string as text, a parsed value as
 * it is, its size bounded below by {@link minJsonBytes} since its bytes are
 * gone). A stream consumed with nothing usable left is `body_unavailable`,
 * answered at once instead of waiting for data that will never come.
 */
export function resolveBody(req: IncomingMessage, limitBytes: number): Promise<ResolveBodyResult> {
  const parsed = req as ParsedRequest;
  if (!streamConsumed(parsed)) return readBody(req, limitBytes);
  return Promise.resolve(leftBody(parsed, limitBytes));
}

/** What a parser that read the stream left, within the limit (`bytesRead` 0 for a parsed value: its bytes were never ours). */
function leftBody(parsed: ParsedRequest, limitBytes: number): ResolveBodyResult {
  const declared = Number(parsed.headers['content-length']);
  const tooLarge = (): ResolveBodyResult => ({
    ok: false,
    error: requestError('payload_too_large', `body is larger than the limit of ${limitBytes} bytes`),
    bytesRead: 0,
  });
  if (declared > limitBytes) return tooLarge();
  const { body } = parsed;
  if (body instanceof Uint8Array) return body.byteLength > limitBytes ? tooLarge() : { ok: true, body, bytesRead: body.byteLength };
  if (typeof body === 'string') {
    const size = Buffer.byteLength(body, 'utf8');
    return size > limitBytes ? tooLarge() : { ok: true, body, bytesRead: size };
  }
  // A JSON parser turns an empty body into `{}`; the pipeline must still see it as empty (400, not 422).
  if (declared === 0 && parsed.headers['content-length'] !== undefined) return { ok: true, body: '', bytesRead: 0 };
  // body-parser read the stream and produced this value; any other reader must have left a real value,
  // not the `{}` placeholder body-parser 1.x puts on every request it does not parse.
  // An array is never that placeholder (body-parser 2.x parses `[]` without setting `_body`).
  if ((parsed._body === true && body !== undefined) || Array.isArray(body) || hasOwnKeys(body)) {
    // A chunked body has no Content-Length: the parser took it within its own limit, not ours (issue 8, item 10).
    const atLeast = minJsonBytes(body, limitBytes);
    return atLeast > limitBytes ? tooLarge() : { ok: true, body, bytesRead: 0 };
  }
  return {
    ok: false,
    error: new PassworksWebhookError(
      'body_unavailable',
      'the request body was consumed by another middleware that left nothing usable on req.body; mount the webhooks middleware before it, or let it leave a Buffer, a string or the parsed JSON',
    ),
    bytesRead: 0,
  };
}
