import type { IncomingMessage } from 'node:http';
import { PassworksWebhookError } from '../errors.js';
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
export type ResolveBodyResult = { readonly ok: true; readonly body: Uint8Array | string | unknown } | { readonly ok: false; readonly error: PassworksWebhookError };

/** Whether something before us read the stream: body-parser's flag, or the stream's own state (as `on-finished` tells it). */
function streamConsumed(req: ParsedRequest): boolean {
  return req._body === true || req.readableEnded || (req.complete && !req.readable);
}

const hasOwnKeys = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length > 0;

/**
 * The request body, whatever ran before: when no parser read the stream,
 * it is read here within `limitBytes` ({@link readBody}); when one did, what
 * it left is used (a Buffer as bytes, a string as text, a parsed value as
 * it is). A stream consumed with nothing usable left is `body_unavailable`,
 * answered at once instead of waiting for data that will never come.
 */
export function resolveBody(req: IncomingMessage, limitBytes: number): Promise<ResolveBodyResult> {
  const parsed = req as ParsedRequest;
  if (!streamConsumed(parsed)) return readBody(req, limitBytes);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.resolve({ ok: false, error: new PassworksWebhookError('payload_too_large', `body is larger than the limit of ${limitBytes} bytes`) });
  }
  const { body } = parsed;
  if (body instanceof Uint8Array || typeof body === 'string') return Promise.resolve({ ok: true, body });
  // A JSON parser turns an empty body into `{}`; the pipeline must still see it as empty (400, not 422).
  if (declared === 0 && req.headers['content-length'] !== undefined) return Promise.resolve({ ok: true, body: '' });
  // body-parser read the stream and produced this value; any other reader must have left a real value,
  // not the `{}` placeholder body-parser 1.x puts on every request it does not parse.
  // An array is never that placeholder (body-parser 2.x parses `[]` without setting `_body`).
  if ((parsed._body === true && body !== undefined) || Array.isArray(body) || hasOwnKeys(body)) return Promise.resolve({ ok: true, body });
  return Promise.resolve({
    ok: false,
    error: new PassworksWebhookError(
      'body_unavailable',
      'the request body was consumed by another middleware that left nothing usable on req.body; mount the webhooks middleware before it, or let it leave a Buffer, a string or the parsed JSON',
    ),
  });
}
