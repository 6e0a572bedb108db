import type { ServerResponse } from 'node:http';
import type { WebhookResponse } from '../webhook-http.js';

/** Options of {@link sendResponse}. */
export interface SendResponseOptions {
  /** Answer with `Connection: close`: Node closes the connection once the response ends. @default false */
  readonly close?: boolean;
  /** End the response now; `false` writes the whole answer and leaves ending to the caller ({@link answerEarly}). @default true */
  readonly end?: boolean;
}

/** Writes a pipeline response, with an exact `Content-Length`. */
export function sendResponse(res: ServerResponse, response: WebhookResponse, { close = false, end = true }: SendResponseOptions = {}): void {
  if (res.headersSent) return;
  // An explicit Content-Length: without it writeHead() commits to chunked
  // encoding, and the answer goes out as several buffers in a writev.
  // The pipeline's own answers carry it already; a hand-made response may not.
  const headers =
    response.headers['content-length'] === undefined ? { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) } : response.headers;
  res.writeHead(response.status, close ? { ...headers, connection: 'close' } : headers);
  if (end) res.end(response.body);
  else res.write(response.body);
}
