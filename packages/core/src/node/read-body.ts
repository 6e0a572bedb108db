import type { IncomingMessage } from 'node:http';
import { PassworksWebhookError, requestError } from '../errors.js';

/** The body of a Node request, or why it could not be read; `bytesRead` either way (for a record of the rejection). */
export type ReadBodyResult =
  | { readonly ok: true; readonly body: Buffer; readonly bytesRead: number }
  | { readonly ok: false; readonly error: PassworksWebhookError; readonly bytesRead: number };

const tooLarge = (limit: number, bytesRead: number): ReadBodyResult => ({
  ok: false,
  error: requestError('payload_too_large', `body is larger than the limit of ${limit} bytes`),
  bytesRead,
});

/**
 * Reads a request body into one buffer, never holding more than
 * `limitBytes`: a `Content-Length` over the limit is refused before reading,
 * and a stream that grows past it stops being read (the caller answers 413
 * with {@link answerEarly}, which drains a bounded rest). A body the client
 * cuts short is `malformed_request` with the bytes that did arrive.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<ReadBodyResult> {
  const declared = Number(req.headers['content-length']);
  if (declared > limitBytes) return Promise.resolve(tooLarge(limitBytes, 0));
  if (req.readableEnded || req.destroyed) {
    return Promise.resolve({
      ok: false,
      error: new PassworksWebhookError('body_unavailable', 'the request body was already consumed by another middleware and nothing usable was left'),
      bytesRead: 0,
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: ReadBodyResult): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        req.pause();
        finish(tooLarge(limitBytes, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size), bytesRead: size });
    const cut = (why: string, cause?: Error): void =>
      finish({
        ok: false,
        error: requestError('malformed_request', `the body ended after ${size} bytes: ${why}`, cause === undefined ? {} : { cause }),
        bytesRead: size,
      });
    const onError = (cause: Error): void => cut(cause.message, cause);
    const onClose = (): void => cut('the connection closed before the body was complete');
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
