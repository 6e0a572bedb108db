import express, { type Express, type Router, type NextFunction, type Request, type Response } from 'express';
import { PassworksWebhookError, isPassworksWebhookError, type Logger } from '@passworks-webhooks/core';
import type { ReceiverMetrics } from '../ops/create-metrics.js';
import type { Storage } from '../storage/storage.js';
import { pathOf } from '@passworks-webhooks/core/node';
import { requestIdOf } from '../webhook/request-id.js';
import { redactPath } from '../common/redact-secrets.js';
import { createAdminAuth } from './create-admin-auth.js';
import type { EventStream } from './create-event-stream.js';
import type { Sessions } from './create-sessions.js';
import { newestEventsRoute } from './newest-events-route.js';
import { securityHeaders } from './security-headers.js';
import { serveUi } from './serve-ui.js';
import { eventsRoutes } from './routes/events-routes.js';
import { passesRoutes } from './routes/passes-routes.js';
import { rejectionsRoutes } from './routes/rejections-routes.js';
import { statsRoutes } from './routes/stats-routes.js';
import { invalidRequest, sendError } from './send-error.js';

/** What the Express side of the receiver needs. */
export interface ApiDeps {
  readonly storage: Storage;
  readonly adminToken: string | undefined;
  /** What no log line or error may hold (the keys, the admin token): a path or request id holding one is logged redacted. */
  readonly secrets: readonly string[];
  readonly metrics: ReceiverMetrics;
  readonly logger: Logger;
  /** The inspector's sessions (sign-in at `/api/session`). */
  readonly sessions: Sessions;
  /** The live feed at `/api/events/stream`. */
  readonly stream: EventStream;
  /** The built inspector's folder. @default DEFAULT_UI_DIRECTORY */
  readonly uiDirectory?: string | undefined;
  /** The forwarding routes (`/events/:id/deliveries`, `/replays`). */
  readonly forward?: Router | undefined;
}

/**
 * The Express app for everything but the webhook path: health, readiness,
 * metrics, the read API under `/api` behind the admin token or an inspector
 * session, and the inspector at `/ui/`.
 */
export function createApi({ storage, adminToken, secrets, metrics, logger, sessions, stream, uiDirectory, forward }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const requestId = requestIdOf(req, secrets);
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      logger.info(
        {
          req_id: requestId,
          method: req.method,
          path: redactPath(pathOf(req.originalUrl), secrets),
          status: res.statusCode,
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        },
        'request',
      );
    });
    next();
  });
  app.use(securityHeaders());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await storage.ping();
      res.json({ status: 'ready' });
    } catch (cause) {
      // 503 with Retry-After: a load balancer takes the instance out until its database answers again.
      res.setHeader('retry-after', '1');
      sendError(res, new PassworksWebhookError('store_unavailable', 'the database is not reachable', { cause }));
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const api = express.Router();
  api.use(sessions.router);
  api.use(sessions.sessionOr(createAdminAuth(adminToken)));
  api.get('/events/stream', stream.handle);
  if (forward !== undefined) api.use(forward);
  api.use(newestEventsRoute(storage), eventsRoutes(storage), passesRoutes(storage), statsRoutes(storage), rejectionsRoutes(storage));
  app.use('/api', api);
  app.use(serveUi(uiDirectory));
  app.use((req: Request, res: Response) => {
    sendError(res, new PassworksWebhookError('not_found', `nothing is served at ${req.method} ${redactPath(req.path, secrets).slice(0, 200)}`));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isPassworksWebhookError(error)) return sendError(res, error);
    // Express's router throws a URIError when a path parameter is not valid percent-encoding: the caller's mistake.
    if (error instanceof URIError) return sendError(res, invalidRequest('path', 'a correctly percent-encoded path', redactPath(req.path, secrets)));
    logger.error({ path: redactPath(req.path, secrets), err: error instanceof Error ? error.message : String(error) }, 'read API failure');
    sendError(res, new PassworksWebhookError('internal_error', 'the request could not be answered', { cause: error }));
  });
  return app;
}
