import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, WebhookResponse } from '@passworks-webhooks/core';
import { answerClientError, responseOnSocket } from '@passworks-webhooks/core/node';
import type { Rejection } from '../storage/rejection.js';
import { rejectionReason } from './rejection-reason.js';

/** What {@link createClientErrorListener} needs. */
export interface ClientErrorListenerDeps {
  readonly logger: Logger;
  /** Records a rejected request; must not throw. */
  readonly reject: (rejection: Rejection) => void;
  readonly now: () => number;
}

/** The server's `clientError` listener, and what it answered on the socket of a response still in flight. */
export interface ClientErrorListener {
  (error: Error & { code?: string }, socket: Duplex): void;
  answeredOn(res: ServerResponse): WebhookResponse | undefined;
}

/**
 * Answers what Node's HTTP parser refused or timed out in the JSON error
 * shape (core's `answerClientError`), logs it, and records a rejection
 * row for a request no listener is serving (bad framing, obs-fold,
 * conflicting lengths, headers too large). A request that is being served
 * (its body timed out or was cut short) is recorded by its listener, with
 * the status answered here ({@link ClientErrorListener.answeredOn}).
 */
export function createClientErrorListener({ logger, reject, now }: ClientErrorListenerDeps): ClientErrorListener {
  const answered = new WeakMap<ServerResponse, WebhookResponse>();
  const listener = (error: Error & { code?: string }, socket: Duplex): void => {
    const clientAddress = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
    const inFlight = responseOnSocket(socket);
    const response = answerClientError(error, socket);
    if (response === undefined) return;
    if (inFlight !== undefined) {
      answered.set(inFlight, response);
      return;
    }
    const requestId = randomUUID();
    logger.warn(
      { req_id: requestId, status: response.status, code: response.code, parser_error: error.code, client: clientAddress },
      'request refused by the HTTP parser',
    );
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
  return Object.assign(listener, { answeredOn: (res: ServerResponse) => answered.get(res) });
}
