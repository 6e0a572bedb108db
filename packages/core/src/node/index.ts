import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWebhookHandler, type WebhookHandlerOptions } from '../create-webhook-handler.js';
import { errorResponse } from '../error-response.js';
import { PassworksWebhookError } from '../errors.js';
import { withHandlerMethods, type HandlerMethods } from '../handler-methods.js';
import { sendResponse } from './send-response.js';
import { serveWebhookRequest } from './serve-delivery.js';

export { answerClientError, answerOnSocket, clientErrorResponse, responseOnSocket } from './answer-client-error.js';
export { answerEarly, continueIfExpected, DRAIN_LIMIT_BYTES, DRAIN_LIMIT_MS, expectsContinue } from './answer-early.js';
export { minJsonBytes } from './min-json-bytes.js';
export { readBody, type ReadBodyResult } from './read-body.js';
export { resolveBody, type ResolveBodyResult } from './resolve-body.js';
export { sendResponse, type SendResponseOptions } from './send-response.js';
export { readDelivery, serveDelivery, serveWebhookRequest, type ReadDelivery, type ServedDelivery } from './serve-delivery.js';

/** The path webhooks are served on unless `path` says otherwise. */
export const DEFAULT_WEBHOOK_PATH = '/webhooks/passworks';

/** Options of {@link createNodeMiddleware}: the pipeline's options and the path. */
export interface NodeMiddlewareOptions extends WebhookHandlerOptions {
  /** The path served (query ignored). Other paths go to `next`, or get 404 without one. @default '/webhooks/passworks' */
  readonly path?: string;
}

/**
 * The `path` option of an adapter, checked: a string starting with `/`;
 * anything else throws `invalid_config` naming the option.
 */
export function checkWebhookPath(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new PassworksWebhookError('invalid_config', `path: expected a string starting with "/", got ${JSON.stringify(path)}`);
  return path;
}

/** A `node:http` request listener that is also connect-style middleware. */
export type NodeMiddleware = ((req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void) & HandlerMethods<NodeMiddleware>;

/** The path part of a request URL. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

/**
 * The `node:http` adapter: `http.createServer(createNodeMiddleware())` or
 * `app.use(createNodeMiddleware())` in any connect-style framework.
 * @example
 * const webhooks = createNodeMiddleware().on('installed', async (event) => save(event));
 * http.createServer(webhooks).listen(3000);
 */
export function createNodeMiddleware({ path = DEFAULT_WEBHOOK_PATH, ...options }: NodeMiddlewareOptions = {}): NodeMiddleware {
  checkWebhookPath(path);
  const webhooks = createWebhookHandler(options);
  const middleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    if (pathOf(req.url) !== path) {
      if (next !== undefined) return next();
      return sendResponse(res, errorResponse(new PassworksWebhookError('not_found', `nothing is served at ${pathOf(req.url).slice(0, 200)}`)));
    }
    serveWebhookRequest(webhooks, req, res);
  };
  return withHandlerMethods(middleware, webhooks) as NodeMiddleware;
}
