import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler } from '../create-webhook-handler.js';
import { errorResponse } from '../error-response.js';
import type { WebhookResponse } from '../webhook-http.js';
import { resolveBody } from './resolve-body.js';
import { sendResponse } from './send-response.js';

/** What {@link serveDelivery} answered, and the raw body it read (for logs or a record of rejections). */
export interface ServedDelivery {
  readonly response: WebhookResponse;
  readonly body: Uint8Array | undefined;
}

/**
 * One webhook request on `node:http`, end to end: the body (read within the
 * limit, or what a body parser left), the pipeline, the answer. A body over
 * the limit is answered 413 at once and the connection closed; any other
 * body failure goes through the pipeline, so a caller without the key gets
 * 401, not a set-up error.
 */
export async function serveDelivery(webhooks: WebhookHandler, req: IncomingMessage, res: ServerResponse): Promise<ServedDelivery> {
  let body: unknown;
  if (req.method === 'POST') {
    const read = await resolveBody(req, webhooks.bodyLimitBytes);
    if (!read.ok && read.error.code === 'payload_too_large') {
      const response = errorResponse(read.error);
      sendResponse(res, response, true);
      return { response, body: undefined };
    }
    body = read.ok ? read.body : read.error;
  }
  const response = await webhooks.handle({ method: req.method ?? 'GET', headers: req.headers, body });
  sendResponse(res, response);
  return { response, body: body instanceof Uint8Array ? body : undefined };
}
