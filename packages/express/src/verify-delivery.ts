import type { Request, RequestHandler } from 'express';
import {
  createWebhookHandler,
  defaultIdempotencyKey,
  errorResponse,
  PassworksWebhookError,
  silentLogger,
  type PassEvent,
  type UnknownPassEvent,
  type WebhookHandlerOptions,
} from '@passworks-webhooks/core';
import { readDelivery, sendResponse } from '@passworks-webhooks/core/node';

/** Options of {@link verifyDelivery}: the pipeline options of steps 1-5. Handlers and the store belong to your route. */
export type VerifyOptions = Pick<WebhookHandlerOptions, 'apiKey' | 'auth' | 'bodyLimitBytes' | 'idempotencyKey' | 'logger' | 'onError'>;

/** A delivery that passed verification, narrowed by `known`: a documented event, or one with a new name. */
export type VerifiedDelivery =
  | { readonly known: true; readonly event: PassEvent; readonly idempotencyKey: string; readonly rawBody: Uint8Array | string | undefined }
  | { readonly known: false; readonly event: UnknownPassEvent; readonly idempotencyKey: string; readonly rawBody: Uint8Array | string | undefined };

/** What `verify()` puts on `res.locals`, typed for the route's next handlers. */
export interface PassworksLocals extends Record<string, unknown> {
  passworks: VerifiedDelivery;
}

/**
 * The check-only middleware: its types flow to the handlers after it in the
 * same route, so there `req.body` is the validated event and
 * `res.locals.passworks` the {@link VerifiedDelivery}, without a cast.
 */
export type VerifyMiddleware = RequestHandler<Request['params'], unknown, PassEvent | UnknownPassEvent, Request['query'], PassworksLocals>;

/** Options that run or store handlers: meaningless here, so rejected rather than silently ignored. */
const HANDLING_OPTIONS = ['on', 'onAny', 'onUnknown', 'store', 'handlerTimeoutMs', 'leaseMs', 'retryAfterSeconds', 'path'] as const;

/**
 * Authenticates and validates a delivery (pipeline steps 1-5: method,
 * content type, size, auth, schema), then sets `req.body` to the event and
 * `res.locals.passworks` to the delivery, and calls `next()`. A failure is
 * answered with core's error shape and status. No idempotency here: dedupe
 * on `res.locals.passworks.idempotencyKey` in your route, and answer 2xx only
 * once the event is durably handled.
 * @example
 * app.post('/hooks/passworks', passworksWebhooks.verify(), async (req, res) => {
 *   const { known, idempotencyKey } = res.locals.passworks;
 *   if (known) await events.saveOnce(idempotencyKey, req.body);
 *   res.sendStatus(204);
 * });
 */
export function verifyDelivery(options: VerifyOptions = {}): VerifyMiddleware {
  for (const name of HANDLING_OPTIONS) {
    if (name in options) {
      throw new PassworksWebhookError(
        'invalid_config',
        `${name}: not an option of verify(), which runs no handlers and stores nothing; use passworksWebhooks() for that`,
      );
    }
  }
  const webhooks = createWebhookHandler(options);
  const keyOf = options.idempotencyKey ?? defaultIdempotencyKey;
  const logger = options.logger ?? silentLogger;

  return (req, res, next) => {
    const check = async (): Promise<VerifiedDelivery | undefined> => {
      // The head (method, type, coding, declared length, key) is checked before the body is read.
      const read = await readDelivery(webhooks, req, res);
      if (read.answered) return undefined;
      const verified = await webhooks.verify({ method: req.method, headers: req.headers, body: read.body });
      if (!verified.ok) {
        if (verified.response.status < 500) logger.warn({ status: verified.response.status, code: verified.error.code }, verified.error.message);
        sendResponse(res, verified.response);
        return undefined;
      }
      const { rawBody } = verified;
      const idempotencyKey = keyOf(verified.event);
      return verified.known
        ? { known: true, event: verified.event, idempotencyKey, rawBody }
        : { known: false, event: verified.event, idempotencyKey, rawBody };
    };
    check().then(
      (delivery) => {
        if (delivery === undefined) return;
        req.body = delivery.event;
        res.locals.passworks = delivery;
        next();
      },
      (cause: unknown) => sendResponse(res, errorResponse(new PassworksWebhookError('internal_error', 'the request could not be checked', { cause }))),
    );
  };
}
