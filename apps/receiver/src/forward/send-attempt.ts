import { redactSecrets } from '../common/redact-secrets.js';
import { redactedUrl } from '../common/redacted-url.js';
import type { AttemptRecord } from '../storage/forward-storage.js';

/** The most response bytes read and kept per attempt. */
export const EXCERPT_BYTES = 512;

/** One attempt to send, as the forwarder makes it. */
export interface SendAttemptInput {
  readonly url: string;
  /** Sent as `Authorization` verbatim (the platform's shape); never logged, stored or echoed. */
  readonly apiKey: string;
  readonly eventId: number;
  readonly raw: Uint8Array;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** An attempt's record, and the `Retry-After` it was answered with. */
export interface SentAttempt {
  readonly record: AttemptRecord;
  readonly retryAfter: string | null;
}

/**
 * Reads the start of a body: `bytes` at most, then lets the rest go. The caller
 * asks for the excerpt's length plus the key's, so any copy of the key that
 * reaches into the excerpt is read whole and can be cut out before the cut.
 */
async function startOf(response: Response, bytes: number): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < bytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Bytes as UTF-8 text, a character split at the end left out (a decoder in stream mode keeps it back). */
const decodeStart = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes, { stream: true });

/** The text's first `bytes` of UTF-8, cut on a character boundary. */
const cutUtf8 = (text: string, bytes: number): string => decodeStart(Buffer.from(text, 'utf8').subarray(0, bytes));

/**
 * What is kept of an answer or an error message: every copy of the key
 * replaced first, then cut to {@link EXCERPT_BYTES} (cutting first left the
 * start of a key that straddled the cut in the excerpt; issue 20).
 */
const excerptOf = (text: string, apiKey: string): string => cutUtf8(redactSecrets(text, [apiKey]), EXCERPT_BYTES);

/**
 * POSTs an event's exact raw bytes the way the platform does
 * (`Content-Type: application/json; charset=utf-8`, `Authorization: <key>`),
 * with `X-Passworks-Event-Id` (the stored event's id, the same on every
 * attempt) and a timeout. 2xx is `succeeded`; anything else is recorded with
 * what went wrong. Never throws.
 */
export async function sendAttempt({ url, apiKey, eventId, raw, timeoutMs, now }: SendAttemptInput): Promise<SentAttempt> {
  const startedAt = now();
  const elapsed = (): number => Math.max(0, now() - startedAt);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: apiKey, 'x-passworks-event-id': String(eventId) },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = excerptOf(decodeStart(await startOf(response, EXCERPT_BYTES + Buffer.byteLength(apiKey))), apiKey);
    const ok = response.status >= 200 && response.status < 300;
    return {
      record: { startedAt, durationMs: elapsed(), status: response.status, outcome: ok ? 'succeeded' : 'http_error', excerpt },
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    const timeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    // An error naming the URL (fetch's own errors do) keeps it redacted in the stored row: no password or secret-looking parameter.
    const message = timeout ? `no answer within ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return {
      record: {
        startedAt,
        durationMs: elapsed(),
        status: null,
        outcome: timeout ? 'timeout' : 'network_error',
        excerpt: excerptOf(message.split(url).join(redactedUrl(url)), apiKey),
      },
      retryAfter: null,
    };
  }
}
