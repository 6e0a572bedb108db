import { createWebhookHandler, headFirstOf, type WebhookHandlerOptions } from '../create-webhook-handler.js';
import { errorResponse } from '../error-response.js';
import { PassworksWebhookError, requestError } from '../errors.js';
import { withHandlerMethods, type HandlerMethods } from '../handler-methods.js';
import type { WebhookResponse } from '../webhook-http.js';

/** Options of {@link createFetchHandler}: the pipeline's options. Routing is the framework's job. */
export type FetchHandlerOptions = WebhookHandlerOptions;

/** A fetch-standard handler: Hono, Next.js route handlers, Bun.serve, Deno.serve. */
export type FetchHandler = ((request: Request) => Promise<Response>) & HandlerMethods<FetchHandler>;

const toResponse = (response: WebhookResponse): Response => new Response(response.body, { status: response.status, headers: response.headers });

/** Reads a fetch body, stopping (and cancelling the stream) once it passes `limitBytes`. */
async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array | PassworksWebhookError> {
  // Built only when needed: an error captures a stack trace, which every accepted delivery would pay for.
  const tooLarge = (): PassworksWebhookError => requestError('payload_too_large', `body is larger than the limit of ${limitBytes} bytes`);
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) return tooLarge();
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) return new PassworksWebhookError('body_unavailable', 'the request body was already read');
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // The client went away mid-body (or the stream broke): its fault, a 400 like the node adapter's, not a 500.
      return requestError('malformed_request', `the body ended after ${size} bytes: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      return tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The fetch-standard adapter: `(request) => Promise<Response>`.
 * @example
 * // Next.js app/api/passworks/route.ts
 * export const POST = createFetchHandler().on('redeemed', async (event) => credit(event.pass_id));
 */
export function createFetchHandler(options: FetchHandlerOptions = {}): FetchHandler {
  const webhooks = createWebhookHandler(options);
  const pipeline = headFirstOf(webhooks);
  const handler = async (request: Request): Promise<Response> => {
    try {
      // The head first (method, type and coding, declared length, key): a refused delivery's body is never read.
      const head = { method: request.method, headers: request.headers };
      const checked = pipeline.checkHead(head);
      const refused = checked instanceof Promise ? await checked : checked;
      if (refused !== undefined) return toResponse(refused);
      let body: Uint8Array | undefined;
      if (request.method.toUpperCase() === 'POST') {
        const read = await readLimited(request, webhooks.bodyLimitBytes);
        if (read instanceof PassworksWebhookError) return toResponse(errorResponse(read));
        body = read;
      }
      return toResponse(await pipeline.handle({ method: request.method, headers: request.headers, body }));
    } catch (cause) {
      return toResponse(errorResponse(new PassworksWebhookError('internal_error', 'the request could not be handled', { cause })));
    }
  };
  return withHandlerMethods(handler, webhooks) as FetchHandler;
}
