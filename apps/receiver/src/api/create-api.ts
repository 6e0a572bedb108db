import type Database from 'better-sqlite3';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { PassworksWebhookError, isPassworksWebhookError, type Logger } from '@passworks-webhooks/core';
import type { ReceiverMetrics } from '../ops/create-metrics.js';
import { pathOf } from '@passworks-webhooks/core/node';
import { requestIdOf } from '../webhook/request-id.js';
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
  readonly db: Database.Database;
  readonly adminToken: string | undefined;
  readonly metrics: ReceiverMetrics;
  readonly logger: Logger;
  /** The inspector's sessions (sign-in at `/api/session`). */
  readonly sessions: Sessions;
  /** The live feed at `/api/events/stream`. */
  readonly stream: EventStream;
  /** The built inspector's folder. @default DEFAULT_UI_DIRECTORY */
  readonly uiDirectory?: string | undefined;
}

/**
 * The Express app for everything but the webhook path: health, readiness,
 * metrics, the read API under `/api` behind the admin token or an inspector
 * session, and the inspector at `/ui/`.
 */
export function createApi({ db, adminToken, metrics, logger, sessions, stream, uiDirectory }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const ping = db.prepare('SELECT 1');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      logger.info({ req_id: requestId, method: req.method, path: pathOf(req.originalUrl), status: res.statusCode, duration_ms: Math.round((performance.now() - started) * 1000) / 1000 }, 'request');
    });
    next();
  });
  app.use(securityHeaders());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    try {
      ping.get();
      res.json({ status: 'ready' });
    } catch (cause) {
      sendError(res, new PassworksWebhookError('internal_error', 'the database is not reachable', { cause }));
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const api = express.Router();
  api.use(sessions.router);
  api.use(sessions.sessionOr(createAdminAuth(adminToken)));
  api.get('/events/stream', stream.handle);
  api.use(newestEventsRoute(db), eventsRoutes(db), passesRoutes(db), statsRoutes(db), rejectionsRoutes(db));
  app.use('/api', api);
  app.use(serveUi(uiDirectory));
  app.use((req: Request, res: Response) => {
    sendError(res, new PassworksWebhookError('not_found', `nothing is served at ${req.method} ${req.path.slice(0, 200)}`));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isPassworksWebhookError(error)) return sendError(res, error);
    // Express's router throws a URIError when a path parameter is not valid percent-encoding: the caller's mistake.
    if (error instanceof URIError) return sendError(res, invalidRequest('path', 'a correctly percent-encoded path', req.path));
    logger.error({ path: req.path, err: error instanceof Error ? error.message : String(error) }, 'read API failure');
    sendError(res, new PassworksWebhookError('internal_error', 'the request could not be answered', { cause: error }));
  });
  return app;
}
