import type { ServerResponse } from 'node:http';
import type { WebhookResponse } from '../webhook-http.js';

/**
 * Writes a pipeline response. `closeConnection` (after a body over the limit)
 * closes the socket once the answer is out, so the rest of the body is never read.
 */
export function sendResponse(res: ServerResponse, response: WebhookResponse, closeConnection = false): void {
  if (res.headersSent) return;
  // An explicit Content-Length: without it writeHead() commits to chunked
  // encoding, and the answer goes out as several buffers in a writev.
  // The pipeline's own answers carry it already; a hand-made response may not.
  const headers = response.headers['content-length'] === undefined ? { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) } : response.headers;
  res.writeHead(response.status, closeConnection ? { ...headers, connection: 'close' } : headers);
  res.end(response.body);
  if (closeConnection) res.once('finish', () => res.req?.socket.destroySoon?.());
}
