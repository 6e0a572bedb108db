import type { ApiKeyVerifier } from './api-key-verifier.js';
import { errorResponse } from './error-response.js';
import { PassworksWebhookError, requestError } from './errors.js';
import type { PassEvent, UnknownPassEvent } from './pass-event.js';
import { validatePassEvent } from './validate-pass-event.js';
import { foreignCharset, headerValue, isJsonContentType, type WebhookRequest, type WebhookResponse } from './webhook-http.js';

/** A delivery that passed steps 1-5: authentic, and a valid event (known or not). */
export type ReadEvent =
  | { readonly ok: true; readonly known: true; readonly event: PassEvent; readonly rawBody: Uint8Array | string | undefined }
  | { readonly ok: true; readonly known: false; readonly event: UnknownPassEvent; readonly rawBody: Uint8Array | string | undefined }
  | { readonly ok: false; readonly response: WebhookResponse; readonly error: PassworksWebhookError };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const fail = (error: PassworksWebhookError, headers?: Record<string, string>): ReadEvent => ({
  ok: false,
  error,
  response: errorResponse(error, headers),
});

function sizeOf(body: Uint8Array | string): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}

/** Parses raw bytes or text as JSON; `undefined` means "not JSON". */
function parseJson(body: Uint8Array | string): { value: unknown } | undefined {
  try {
    const text = typeof body === 'string' ? body : utf8.decode(body);
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The request line and headers: all that is known before the body is read. */
export type RequestHead = Pick<WebhookRequest, 'method' | 'headers'>;

/** A `Content-Encoding` that leaves the body as it is: absent, empty or `identity` (RFC 9110 §8.4.1). */
function isIdentityCoding(value: string | undefined): boolean {
  return value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'identity';
}

/** The encodings accepted, for the `Accept-Encoding` of a 415 (RFC 9110 §12.5.3). */
const ACCEPTED_ENCODINGS = 'identity';

/**
 * Steps 1-3 as far as the head tells: method, content type and coding,
 * declared length. A coded body is refused (415) whatever decoded it
 * before us, so the answer never depends on the middleware order.
 */
function checkHead(request: RequestHead, bodyLimitBytes: number): ReadEvent | undefined {
  if (request.method.toUpperCase() !== 'POST') {
    return fail(requestError('method_not_allowed', `method ${request.method} is not allowed: webhooks are POSTed`), { allow: 'POST' });
  }
  const contentType = headerValue(request.headers, 'content-type');
  if (!isJsonContentType(contentType)) {
    return fail(
      requestError(
        'unsupported_media_type',
        `content type must be application/json, got ${contentType === undefined ? 'none' : JSON.stringify(contentType.slice(0, 100))}`,
      ),
    );
  }
  // The body is read as UTF-8: a body declared in another charset would be read wrong (RFC 8259 section 8.1: JSON is UTF-8).
  const charset = foreignCharset(contentType);
  if (charset !== undefined) {
    return fail(
      requestError('unsupported_media_type', `charset ${JSON.stringify(charset.slice(0, 100))} is not accepted: send the body as UTF-8 (charset=utf-8)`),
    );
  }
  const coding = headerValue(request.headers, 'content-encoding');
  if (!isIdentityCoding(coding)) {
    return fail(
      requestError(
        'unsupported_media_type',
        `content encoding ${JSON.stringify((coding ?? '').slice(0, 100))} is not accepted: send the body uncompressed (accepted: ${ACCEPTED_ENCODINGS})`,
      ),
      { 'accept-encoding': ACCEPTED_ENCODINGS },
    );
  }
  const declared = Number(headerValue(request.headers, 'content-length'));
  if (declared > bodyLimitBytes) return fail(requestError('payload_too_large', `body is larger than the limit of ${bodyLimitBytes} bytes`));
  return undefined;
}

/** Steps 1-3: the head, then the size of the body itself. A failure, or undefined to go on. */
function checkEnvelope(request: WebhookRequest, bodyLimitBytes: number): ReadEvent | undefined {
  const early = checkHead(request, bodyLimitBytes);
  if (early !== undefined) return early;
  const { body } = request;
  if ((body instanceof Uint8Array || typeof body === 'string') && sizeOf(body) > bodyLimitBytes) {
    return fail(requestError('payload_too_large', `body is larger than the limit of ${bodyLimitBytes} bytes`));
  }
  return undefined;
}

const unauthorized = (): ReadEvent => fail(requestError('unauthorized', 'the Authorization header is missing or matches no configured API key'));

/**
 * Steps 1-4 before the body is read: method, content type and coding,
 * declared length, then the key (its answer never depends on the body).
 * A failure, or undefined to read the body; synchronous unless the keys
 * come from an async function.
 */
export function checkRequestHead(
  request: RequestHead,
  verifier: ApiKeyVerifier | undefined,
  bodyLimitBytes: number,
): ReadEvent | undefined | Promise<ReadEvent | undefined> {
  const early = checkHead(request, bodyLimitBytes);
  if (early !== undefined || verifier === undefined) return early;
  const verdict = verifier.verify(headerValue(request.headers, 'authorization'));
  if (typeof verdict === 'boolean') return verdict ? undefined : unauthorized();
  return verdict.then((authentic) => (authentic ? undefined : unauthorized()));
}

/** Step 5, for an authentic request: JSON, then the schema. */
function parseEvent(request: WebhookRequest, authentic: boolean): ReadEvent {
  if (!authentic) return unauthorized();
  let value = request.body;
  // An adapter that could not get the body (another middleware consumed it) passes its error here,
  // so only an authentic caller learns of that set-up error; anyone else got 401 before.
  if (value instanceof PassworksWebhookError) return fail(value);
  const raw = value instanceof Uint8Array || typeof value === 'string' ? value : undefined;
  if (raw !== undefined) {
    const parsed = raw.length === 0 ? undefined : parseJson(raw);
    if (parsed === undefined)
      return fail(requestError('invalid_json', raw.length === 0 ? 'body is empty: expected a JSON pass event' : 'body is not valid JSON (UTF-8)'));
    value = parsed.value;
  } else if (value === undefined) {
    return fail(requestError('invalid_json', 'body is empty: expected a JSON pass event'));
  }
  const result = validatePassEvent(value);
  if (!result.ok) return fail(result.error);
  return result.known ? { ok: true, known: true, event: result.event, rawBody: raw } : { ok: true, known: false, event: result.event, rawBody: raw };
}

/**
 * Steps 1-5 of the pipeline: method, content type, size, auth, JSON and
 * schema. Auth comes before parsing so an unauthenticated caller learns
 * nothing about the schema. Synchronous unless the keys come from an async
 * function: every delivery would otherwise pay promise turns for nothing.
 */
export function readEvent(request: WebhookRequest, verifier: ApiKeyVerifier | undefined, bodyLimitBytes: number): ReadEvent | Promise<ReadEvent> {
  const early = checkEnvelope(request, bodyLimitBytes);
  if (early !== undefined) return early;
  if (verifier === undefined) return parseEvent(request, true);
  const verdict = verifier.verify(headerValue(request.headers, 'authorization'));
  return typeof verdict === 'boolean' ? parseEvent(request, verdict) : verdict.then((authentic) => parseEvent(request, authentic));
}
