import { Router, type Request, type Response } from 'express';
import { pageOf } from './cursor.js';
import { eventPosition, eventRange } from './event-cursor.js';
import { eventView } from './event-view.js';
import { readQuery } from './read-query.js';
import { EVENT_LIST } from './routes/events-routes.js';
import { streamCursor } from './stream-cursor.js';
import type { Storage } from '../storage/storage.js';

/**
 * `/events/newest`: the event list newest first (the inspector's live page),
 * with `/events`'s filters, in `/events`'s order reversed (by id, or with
 * `since`/`until` by `event_at`); `next_cursor` pages back to older events.
 */
export function newestEventsRoute(storage: Storage): Router {
  const router = Router();
  router.get('/events/newest', async (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, EVENT_LIST);
    const stream_cursor = await streamCursor(storage);
    const rows = await storage.events(filters, eventRange(filters, cursor, 'before'), limit + 1);
    res.json({ ...pageOf(rows, limit, eventView, eventPosition(filters)), stream_cursor });
  });
  return router;
}
