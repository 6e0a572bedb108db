import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassworksWebhookError, errorResponse, type Logger, type WebhookHandler, type WebhookResponse } from '@passworks-webhooks/core';
import { sendResponse, serveDelivery } from '@passworks-webhooks/core/node';
import type { ReceiverMetrics } from '../ops/create-metrics.js';
import type { ClientAddressOf } from './client-address.js';
import type { Rejection } from '../storage/rejection.js';
import { redactSecrets } from '../common/redact-secrets.js';
import { rejectionReason } from './rejection-reason.js';
import { requestIdOf } from './request-id.js';

/** What the webhook listener needs. */
export interface WebhookListenerDeps {
  readonly webhooks: WebhookHandler;
  readonly metrics: ReceiverMetrics;
  readonly logger: Logger;
  /** What no log field may hold (the keys, the admin token): a field the sender wrote goes out redacted. */
  readonly secrets: readonly string[];
  /** Records a rejected delivery; must not throw. */
  readonly reject: (rejection: Rejection) => void;
  readonly now: () => number;
  /** The client address of a request (the trust-proxy setting). */
  readonly clientAddress: ClientAddressOf;
  /** What the server's `clientError` listener answered on this response's socket, if it did (a timeout or a cut body). */
  readonly answeredByServer: (res: ServerResponse) => WebhookResponse | undefined;
}

/** A node request listener for the webhook path, and the count of deliveries it is answering. */
export interface WebhookListener {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly inFlight: number;
}

/**
 * Serves the webhook path with core's `serveDelivery` (head checks, body,
 * pipeline, answer), without Express's per-request cost,
 * and records every answer: a log line, metrics, and a rejection row for
 * non-2xx answers, with the client address (read when the request
 * arrived: a socket closed mid-body has none left) and the bytes that came.
 */
export function createWebhookListener({
  webhooks,
  metrics,
  logger,
  secrets,
  reject,
  now,
  clientAddress,
  answeredByServer,
}: WebhookListenerDeps): WebhookListener {
  let inFlight = 0;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const receivedAt = now();
    const requestId = requestIdOf(req, secrets);
    const client = clientAddress(req);
    res.setHeader('x-request-id', requestId);
    inFlight += 1;
    serveDelivery(webhooks, req, res)
      .then(({ response: answered, body, bytesRead }) => {
        const response = answeredByServer(res) ?? answered;
        const durationMs = performance.now() - started;
        metrics.delivery(response.status, response.event, response.outcome, durationMs / 1000);
        const fields = {
          req_id: requestId,
          method: req.method,
          path: '/webhooks/passworks',
          status: response.status,
          duration_ms: Math.round(durationMs * 1000) / 1000,
          // The sender wrote these (the body's event name, X-Forwarded-For): a secret in them is logged redacted.
          event: redactSecrets(response.event, secrets),
          outcome: response.outcome,
          code: response.code,
          client: redactSecrets(client, secrets),
        };
        if (response.status >= 300) {
          logger.warn({ ...fields, body_bytes: bytesRead }, 'delivery rejected');
          reject({
            receivedAt,
            status: response.status,
            code: response.code ?? 'internal_error',
            clientAddress: client,
            requestId,
            body,
            bytesRead,
            ...rejectionReason(response, body),
          });
        } else {
          logger.info({ ...fields, pass_id: redactSecrets(response.passId, secrets) }, 'delivery accepted');
        }
      })
      .catch((error: unknown) => {
        logger.error({ req_id: requestId, err: error instanceof Error ? error.message : String(error) }, 'delivery failed unexpectedly');
        sendResponse(res, errorResponse(new PassworksWebhookError('internal_error', 'the request could not be handled', { cause: error })));
      })
      .finally(() => {
        inFlight -= 1;
      });
  };
  return Object.defineProperty(listener, 'inFlight', { get: () => inFlight }) as WebhookListener;
}
