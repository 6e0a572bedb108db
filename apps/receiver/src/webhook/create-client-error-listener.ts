import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse, requestError, type Logger, type WebhookResponse } from '@passworks-webhooks/core';
import { answerClientError, answerEarly, answerOnSocket, responseOnSocket } from '@passworks-webhooks/core/node';
import type { Rejection } from '../storage/rejection.js';
import { rejectionReason } from './rejection-reason.js';

/** What {@link createClientErrorListener} needs. */
export interface ClientErrorListenerDeps {
  readonly logger: Logger;
  /** Records a rejected request; must not throw. */
  readonly reject: (rejection: Rejection) => void;
  readonly now: () => number;
}

/** The server's `clientError` listener, and the other requests Node would refuse or drop without an answer of ours. */
export interface ClientErrorListener {
  (error: Error & { code?: string }, socket: Duplex): void;
  /** What it answered on the socket of a response still in flight (a timeout or a cut body). */
  answeredOn(res: ServerResponse): WebhookResponse | undefined;
  /** The server's `connect` listener: a `CONNECT` (the receiver is no proxy) answered 405 with `Connection: close`, recorded. */
  connect(req: IncomingMessage, socket: Duplex): void;
  /**
   * Answers an HTTP/1.1 request without `Host` 400 `malformed_request`
   * (RFC 9112 §3.2) and records it, for a server made with
   * `requireHostHeader: false` (Node's own answer has no body); whether it did.
   */
  refusedWithoutHost(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Answers what Node's HTTP server refuses, drops or times out in the JSON
 * error shape, logs it, and records a rejection row for a request no
 * listener is serving: what the parser refused (core's
 * `answerClientError`: bad framing, obs-fold, conflicting lengths, headers
 * too large), a `CONNECT`, an HTTP/1.1 request without `Host`. A request
 * that is being served (its body timed out or was cut short) is recorded by
 * its listener, with the status answered here
 * ({@link ClientErrorListener.answeredOn}).
 */
export function createClientErrorListener({ logger, reject, now }: ClientErrorListenerDeps): ClientErrorListener {
  const answered = new WeakMap<ServerResponse, WebhookResponse>();
  const record = (response: WebhookResponse, socket: Duplex, detail: object, message: string): void => {
    const clientAddress = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
    const requestId = randomUUID();
    logger.warn({ req_id: requestId, status: response.status, code: response.code, ...detail, client: clientAddress }, message);
    reject({
      receivedAt: now(),
      status: response.status,
      code: response.code ?? 'malformed_request',
      clientAddress,
      requestId,
      body: undefined,
      ...rejectionReason(response, undefined),
    });
  };
  const listener = (error: Error & { code?: string }, socket: Duplex): void => {
    const inFlight = responseOnSocket(socket);
    const response = answerClientError(error, socket);
    if (response === undefined) return;
    if (inFlight !== undefined) {
      answered.set(inFlight, response);
      return;
    }
    record(response, socket, { parser_error: error.code }, 'request refused by the HTTP parser');
  };
  const connect = (_req: IncomingMessage, socket: Duplex): void => {
    // Its target names a host and port, no resource of this server: the empty Allow says no method is served there (RFC 9110 §10.2.1).
    const response = errorResponse(requestError('method_not_allowed', 'CONNECT is not served: this is a webhook receiver, not a proxy'), { allow: '' });
    if (answerOnSocket(socket, response)) record(response, socket, { method: 'CONNECT' }, 'request refused: CONNECT is not served');
  };
  const refusedWithoutHost = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false;
    const response = errorResponse(requestError('malformed_request', 'an HTTP/1.1 request must carry a Host header (RFC 9112 §3.2)'));
    answerEarly(req, res, response);
    record(response, req.socket, { method: req.method }, 'request refused: no Host header');
    return true;
  };
  return Object.assign(listener, { answeredOn: (res: ServerResponse) => answered.get(res), connect, refusedWithoutHost });
}
