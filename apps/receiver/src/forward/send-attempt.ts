import type { AttemptRecord } from './forward-storage.js';

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

const utf8 = new TextDecoder('utf-8');

/** Reads at most {@link EXCERPT_BYTES} of a body, then lets the rest go. */
async function excerptOf(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return utf8.decode(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES));
}

/** An error's message with the key cut out (a fetch error never holds it, but a message is never trusted to). */
const scrub = (text: string, apiKey: string): string => (apiKey.length > 0 ? text.split(apiKey).join('[redacted]') : text).slice(0, EXCERPT_BYTES);

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
    const excerpt = scrub(await excerptOf(response), apiKey);
    const ok = response.status >= 200 && response.status < 300;
    return {
      record: { startedAt, durationMs: elapsed(), status: response.status, outcome: ok ? 'succeeded' : 'http_error', excerpt },
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    const timeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = timeout ? `no answer within ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return { record: { startedAt, durationMs: elapsed(), status: null, outcome: timeout ? 'timeout' : 'network_error', excerpt: scrub(message, apiKey) }, retryAfter: null };
  }
}
