import type { IncomingMessage } from 'node:http';
import { PassworksWebhookError } from '../errors.js';

/** The body of a Node request, or why it could not be read. */
export type ReadBodyResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly error: PassworksWebhookError };

const tooLarge = (limit: number): ReadBodyResult => ({
  ok: false,
  error: new PassworksWebhookError('payload_too_large', `body is larger than the limit of ${limit} bytes`),
});

/**
 * Reads a request body into one buffer, never holding more than
 * `limitBytes`: a `Content-Length` over the limit is refused before reading,
 * and a stream that grows past it stops being read (the caller answers 413
 * and closes the connection).
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<ReadBodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.resolve(tooLarge(limitBytes));
  if (req.readableEnded || req.destroyed) {
    return Promise.resolve({
      ok: false,
      error: new PassworksWebhookError('body_unavailable', 'the request body was already consumed by another middleware and nothing usable was left'),
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
        finish(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    const onError = (cause: Error): void =>
      finish({ ok: false, error: new PassworksWebhookError('invalid_json', `the request body could not be read: ${cause.message}`, { cause }) });
    const onClose = (): void => finish({ ok: false, error: new PassworksWebhookError('invalid_json', 'the client closed the connection before the body ended') });
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
