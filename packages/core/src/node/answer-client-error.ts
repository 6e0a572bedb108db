import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse } from '../error-response.js';
import { requestError } from '../errors.js';
import type { WebhookResponse } from '../webhook-http.js';
import { DRAIN_LIMIT_MS } from './answer-early.js';

/** The answer to an error of Node's HTTP parser or of a server timeout; undefined when the peer is gone (nothing to answer). */
export function clientErrorResponse(error: Error & { code?: string }): WebhookResponse | undefined {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return errorResponse(requestError('headers_too_large', 'the request headers are larger than the server accepts'));
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errorResponse(requestError('request_timeout', 'the request did not arrive in full within the server timeout'));
    default:
      return errorResponse(requestError('malformed_request', `the HTTP request could not be parsed (${String(error.code ?? 'unknown error').slice(0, 60)})`));
  }
}

/** The response Node is writing on this socket, if a request is in flight there. */
export function responseOnSocket(socket: Duplex): ServerResponse | undefined {
  return (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Writes `response` on a socket no `ServerResponse` will answer (Node handed
 * it over: a request its parser refused, a `CONNECT`) in the toolkit's JSON
 * error shape with `Connection: close`, then discards whatever the client
 * still sends and destroys the socket after a bounded time. A socket that is
 * not writable is destroyed. Returns whether the answer was written.
 * @example server.on('connect', (req, socket) => answerOnSocket(socket, errorResponse(requestError('method_not_allowed', 'no CONNECT here'))));
 */
export function answerOnSocket(socket: Duplex, response: WebhookResponse): boolean {
  if (!socket.writable) {
    socket.destroy();
    return false;
  }
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${response.body}`);
  // Read and discard whatever the client still sends, so closing does not reset the connection before it read the answer.
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), DRAIN_LIMIT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return true;
}

/**
 * A `server.on('clientError', answerClientError)` listener: answers what
 * Node's HTTP parser refused (bad framing, obs-fold, conflicting lengths:
 * 400 `malformed_request`; headers over `maxHeaderSize`: 431
 * `headers_too_large`) or what timed out (408 `request_timeout`) in the
 * toolkit's JSON error shape with `Connection: close`, where Node lets us:
 * the socket is writable and no answer was started on it
 * ({@link answerOnSocket}). Returns the answer written, or undefined.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): WebhookResponse | undefined {
  const response = clientErrorResponse(error);
  if (response === undefined || responseOnSocket(socket)?.headersSent === true) {
    socket.destroy();
    return undefined;
  }
  return answerOnSocket(socket, response) ? response : undefined;
}
