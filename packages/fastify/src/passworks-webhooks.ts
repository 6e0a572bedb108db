import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { createWebhookHandler, PassworksWebhookError, withHandlerMethods, type HandlerMethods, type WebhookHandlerOptions } from '@passworks-webhooks/core';
import { checkWebhookPath, DEFAULT_WEBHOOK_PATH, serveWebhookRequest } from '@passworks-webhooks/core/node';

/** Options of {@link passworksWebhooks}: every pipeline option of core, and the path. */
export interface PassworksWebhooksOptions extends WebhookHandlerOptions {
  /**
   * The route's URL, under the `prefix` the plugin is registered with:
   * `app.register(passworksWebhooks({ path: '/passworks' }), { prefix: '/hooks' })`
   * serves `/hooks/passworks`. A Fastify route path, so the query is
   * ignored and `:name` is a parameter.
   * @default '/webhooks/passworks'
   */
  readonly path?: string;
}

/** The plugin `passworksWebhooks()` returns: a Fastify plugin with chainable handler registration. */
export type PassworksPlugin = FastifyPluginCallback & HandlerMethods<PassworksPlugin>;

/** The plugin's name in Fastify (`app.printPlugins()`, avvio's errors, other plugins' `dependencies`). */
const PLUGIN_NAME = '@passworks-webhooks/fastify';

/**
 * A Fastify plugin that receives Passworks webhooks on one route, every
 * method (a `GET` gets 405 with `Allow: POST`). In its own encapsulated
 * context it adds that route only; the app's content-type parsers, other
 * routes and hooks are left as they are. The route's `onRequest` hook, after
 * the app's own `onRequest` hooks, takes the reply over (`reply.hijack()`)
 * and serves the raw request with core's node adapter: the head is checked
 * first (405, 415, 413, 401), then the body is read as bytes within
 * `bodyLimitBytes`, never further, and never parsed by Fastify. So the
 * answers are byte for byte those of the node and Express adapters, and no
 * content-type parser or `bodyLimit` of the app applies to this route.
 * Keys default to `PASSWORKS_API_KEY` (comma-separated); with none and
 * `auth` not `false`, it throws `invalid_config` here, at start-up.
 * @example
 * await app.register(
 *   passworksWebhooks({ store: createSqliteStore({ path: './data/webhooks.db' }) })
 *     .on('redeemed', async (event) => loyalty.credit(event.pass_id))
 *     .onError((error) => metrics.increment(error.code)),
 * );
 */
export function passworksWebhooks({ path = DEFAULT_WEBHOOK_PATH, ...options }: PassworksWebhooksOptions = {}): PassworksPlugin {
  checkWebhookPath(path);
  const webhooks = createWebhookHandler(options);
  const serve = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.hijack();
    serveWebhookRequest(webhooks, request.raw, reply.raw);
  };
  const plugin: FastifyPluginCallback = (instance, _options, done) => {
    if (instance.initialConfig.http2 === true) {
      done(new PassworksWebhookError('invalid_config', 'http2: the plugin serves Fastify on node:http or node:https (HTTP/1.1), not on HTTP/2'));
      return;
    }
    // Served from the route's onRequest hook, before Fastify looks at the content type (its own 415
    // for one it cannot parse is not ours) or reads a byte; the reply is hijacked, so Fastify stops
    // there and the handler (the same function) is never reached.
    const onRequest = (request: FastifyRequest, reply: FastifyReply, next: () => void): void => {
      serve(request, reply);
      next();
    };
    instance.all(path, { onRequest }, serve);
    done();
  };
  // What fastify-plugin would set, without its skip-override: the plugin must stay encapsulated.
  Object.defineProperties(plugin, {
    [Symbol.for('fastify.display-name')]: { value: PLUGIN_NAME },
    [Symbol.for('plugin-meta')]: { value: { name: PLUGIN_NAME } },
  });
  return withHandlerMethods(plugin, webhooks) as PassworksPlugin;
}
