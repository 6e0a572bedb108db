import { Router, type Request, type Response } from 'express';
import { decodeCursor, pageOf } from './cursor.js';
import { eventView, type EventRow } from './event-view.js';
import { param, readQuery } from './read-query.js';
import type { Storage } from '../storage/storage.js';

const LIST = { event: param.text, pass_id: param.uuid, campaign_id: param.uuid, since: param.instant, until: param.instant, limit: param.integer(1, 1000), cursor: param.string };

/**
 * `/events/newest`: the event list newest first (the inspector's live page),
 * with `/events`'s filters; `next_cursor` pages back to older events.
 */
export function newestEventsRoute(storage: Storage): Router {
  const router = Router();
  router.get('/events/newest', async (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, LIST);
    const rows = await storage.events(filters, { before: cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor, 'number') }, limit + 1);
    res.json(pageOf(rows, limit, eventView, (row: EventRow) => row.id));
  });
  return router;
}
