import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { withHandlerMethods, type HandlerMethods, type WebhookHandlerOptions } from '@passworks-webhooks/core';
import { createNodeMiddleware } from '@passworks-webhooks/core/node';
import { verifyDelivery } from './verify-delivery.js';

/** Options of {@link passworksWebhooks}: every pipeline option of core, and the path. */
export interface PassworksWebhooksOptions extends WebhookHandlerOptions {
  /**
   * The path served, matched exactly (query ignored) against the URL as
   * Express gives it to the middleware: relative to the mount point, so
   * `app.use('/hooks', passworksWebhooks({ path: '/' }))` serves `/hooks`.
   * Every other path goes to `next()` untouched.
   * @default '/webhooks/passworks'
   */
  readonly path?: string;
}

/** The middleware `passworksWebhooks()` returns: an Express `RequestHandler` with chainable handler registration. */
export type PassworksMiddleware = RequestHandler & HandlerMethods<PassworksMiddleware>;

/**
 * Express middleware that receives Passworks webhooks: on its path it runs
 * core's pipeline (method, content type, size, auth, validation,
 * idempotency, dispatch) and answers; any other request goes to `next()`.
 * It reads the body itself, or uses what a body parser mounted before it left.
 * Keys default to `PASSWORKS_API_KEY` (comma-separated); with none and
 * `auth` not `false`, it throws `invalid_config` here, at start-up.
 * @example
 * app.use(
 *   passworksWebhooks({ store: createSqliteStore({ path: './data/webhooks.db' }) })
 *     .on('redeemed', async (event) => loyalty.credit(event.pass_id))
 *     .onError((error) => metrics.increment(error.code)),
 * );
 */
function createPassworksWebhooks(options: PassworksWebhooksOptions = {}): PassworksMiddleware {
  // The node:http adapter is connect-style middleware already: Express only adds the types and `next`.
  const node = createNodeMiddleware(options);
  const middleware = (req: Request, res: Response, next: NextFunction): void => node(req, res, next);
  return withHandlerMethods(middleware, node.webhooks) as PassworksMiddleware;
}

/**
 * `passworksWebhooks(options)` returns the receiving middleware;
 * `passworksWebhooks.verify(options)` returns the check-only middleware for
 * routes that handle the event themselves (see {@link verifyDelivery}).
 */
export const passworksWebhooks: typeof createPassworksWebhooks & { readonly verify: typeof verifyDelivery } = Object.assign(createPassworksWebhooks, {
  verify: verifyDelivery,
});
