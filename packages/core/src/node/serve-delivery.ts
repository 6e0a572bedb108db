import type { IncomingMessage, ServerResponse } from 'node:http';
import { headFirstOf, type HeadFirst, type WebhookHandler } from '../create-webhook-handler.js';
import { errorResponse } from '../error-response.js';
import { PassworksWebhookError } from '../errors.js';
import type { WebhookResponse } from '../webhook-http.js';
import { answerEarly, continueIfExpected } from './answer-early.js';
import { resolveBody } from './resolve-body.js';
import { sendResponse } from './send-response.js';

/** What {@link serveDelivery} answered, the raw body it read (for logs or a record of rejections), and how many body bytes arrived. */
export interface ServedDelivery {
  readonly response: WebhookResponse;
  readonly body: Uint8Array | undefined;
  readonly bytesRead: number;
}

/** The body for the pipeline, or the early answer already written (and what arrived of the body). */
export type ReadDelivery =
  | { readonly answered: false; readonly body: unknown; readonly bytesRead: number }
  | { readonly answered: true; readonly response: WebhookResponse; readonly bytesRead: number };

/**
 * Gets a delivery's body the safe way round: the head is checked first
 * (method 405, content type and coding 415, declared length 413, key 401)
 * and refused without reading the body; only then is `100 Continue` sent
 * and the body read within the limit (or what a body parser left used).
 * A body over the limit is answered 413 at once. Early answers close the
 * connection after draining a bounded rest ({@link answerEarly}). Any other
 * body failure is handed to the pipeline as the body, to answer in order.
 */
export function readDelivery(webhooks: WebhookHandler, req: IncomingMessage, res: ServerResponse): Promise<ReadDelivery> {
  return readWith(webhooks, webhooks, req, res);
}

/** {@link readDelivery} with the head checked by `head` (the public `checkHead`, or the pipeline's own for {@link serveDelivery}). */
async function readWith(webhooks: WebhookHandler, head: Pick<HeadFirst, 'checkHead'>, req: IncomingMessage, res: ServerResponse): Promise<ReadDelivery> {
  const checked = head.checkHead({ method: req.method ?? 'GET', headers: req.headers });
  const refused = checked instanceof Promise ? await checked : checked;
  if (refused !== undefined) {
    answerEarly(req, res, refused);
    return { answered: true, response: refused, bytesRead: 0 };
  }
  continueIfExpected(req, res);
  const read = await resolveBody(req, webhooks.bodyLimitBytes);
  if (!read.ok && read.error.code === 'payload_too_large') {
    const response = errorResponse(read.error);
    answerEarly(req, res, response);
    return { answered: true, response, bytesRead: read.bytesRead };
  }
  return { answered: false, body: read.ok ? read.body : read.error, bytesRead: read.bytesRead };
}

/**
 * One webhook request on `node:http`, end to end: the head's checks, the
 * body ({@link readDelivery}), the pipeline, the answer.
 */
export async function serveDelivery(webhooks: WebhookHandler, req: IncomingMessage, res: ServerResponse): Promise<ServedDelivery> {
  const pipeline = headFirstOf(webhooks);
  const read = await readWith(webhooks, pipeline, req, res);
  if (read.answered) return { response: read.response, body: undefined, bytesRead: read.bytesRead };
  const { body } = read;
  const pending = pipeline.handle({ method: req.method ?? 'GET', headers: req.headers, body });
  // With the memory store and synchronous handlers the answer is ready now: no promise turn before writing it.
  const response = pending instanceof Promise ? await pending : pending;
  sendResponse(res, response);
  return { response, body: body instanceof Uint8Array ? body : undefined, bytesRead: read.bytesRead };
}

/**
 * {@link serveDelivery} for a framework's route: what it throws is answered
 * 500 `internal_error` (when no answer was started), never left hanging.
 * The node middleware serves its path with it; so can any framework that
 * hands over Node's request and response.
 */
export function serveWebhookRequest(webhooks: WebhookHandler, req: IncomingMessage, res: ServerResponse): void {
  serveDelivery(webhooks, req, res).catch((cause: unknown) => {
    sendResponse(res, errorResponse(new PassworksWebhookError('internal_error', 'the request could not be handled', { cause })));
  });
}
