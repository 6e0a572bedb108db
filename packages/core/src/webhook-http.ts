import type { ErrorCode } from './errors.js';

/** Request headers as Node gives them (lower-case names) or as a fetch `Headers`. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>> | Headers;

/**
 * A framework-free request. `body` is the raw bytes, the text, or a value a
 * body parser already produced (`undefined` when there was no body); or the
 * `PassworksWebhookError` an adapter met getting it (`body_unavailable`),
 * answered after the method, content-type, size and key checks.
 */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: WebhookHeaders;
  readonly body: Uint8Array | string | unknown;
}

/** What the delivery came to, for adapters' logs and metrics. */
export type WebhookOutcome = 'processed' | 'duplicate' | 'rejected' | 'failed';

/** A framework-free response: adapters copy `status`, `headers` (with `content-length`) and `body` out as they are. */
export interface WebhookResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON document. */
  readonly body: string;
  readonly outcome: WebhookOutcome;
  /** The error code, for non-2xx answers. */
  readonly code?: ErrorCode;
  /** The event name, once the body was read as an event. */
  readonly event?: string;
  /** The event's `pass_id` as sent, on a 200 answer (for the caller's log line; not in the body). */
  readonly passId?: string;
}

/** The first value of header `name` (lower-case), or undefined. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  return typeof value === 'string' ? value : value?.[0];
}

/** Whether a Content-Type header names JSON: `application/json` or any `+json` type, parameters ignored. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'application/json; charset=utf-8' || value === 'application/json') return true;
  const type = (value.split(';', 1)[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** One `; name=value` parameter of a media type, its value a token or a quoted string (which may hold `;`: RFC 9110 section 5.6.6). */
const PARAMETER = /;\s*([^\s;=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;

/** Charsets a body is read in as UTF-8: its name, the common misspelling, and US-ASCII (a subset of it). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * The first `charset` parameter of a Content-Type header that is not UTF-8
 * (`utf-8`, `utf8` or `us-ascii` in any case, quoted or not), as written, unquoted; undefined when
 * there is none. Only a comparison for the common `application/json` and
 * `application/json; charset=utf-8`.
 */
export function foreignCharset(value: string | undefined): string | undefined {
  if (value === undefined || value === 'application/json; charset=utf-8' || !value.includes(';')) return undefined;
  for (const [, name = '', raw = ''] of value.matchAll(PARAMETER)) {
    if (name.toLowerCase() !== 'charset') continue;
    // A quoted-string's backslash escapes the character after it (RFC 9110 section 5.6.4).
    const charset = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim();
    if (!UTF8_CHARSETS.has(charset.toLowerCase())) return charset;
  }
  return undefined;
}
