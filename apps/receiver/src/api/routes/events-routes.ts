import { Router, type Request, type Response } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { FORWARDING_FILTERS } from '../../storage/event-filters.js';
import { pageOf } from '../cursor.js';
import { eventPosition, eventRange } from '../event-cursor.js';
import type { EventRange, Storage } from '../../storage/storage.js';
import { eventView } from '../event-view.js';
import type { EventRow, StoredEvent } from '../../storage/storage.js';
import { NO_PARAMETERS, param, readQuery } from '../read-query.js';
import { invalidRequest } from '../send-error.js';
import { streamCursor } from '../stream-cursor.js';

/** The event filters of `/events`, `/events/newest` and the export. */
export const EVENT_FILTERS = {
  event: param.text,
  pass_id: param.uuid,
  campaign_id: param.uuid,
  since: param.instant,
  until: param.instant,
  forwarding: param.oneOf(FORWARDING_FILTERS),
};
/** The parameters of a page of events. */
export const EVENT_LIST = { ...EVENT_FILTERS, limit: param.integer(1, 1000), cursor: param.string };
const EXPORT_CHUNK = 500;

/** Resolves once the client took what was written, or went away: a closed response never emits `drain`. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function eventId(req: Request): number {
  const raw = String(req.params.id);
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw invalidRequest('id', 'a positive integer event id', raw);
  return id;
}

/** `/events`, `/events/count`, `/events/:id`, `/events/:id/raw` and `/export/events.ndjson`. */
export function eventsRoutes(storage: Storage): Router {
  const router = Router();
  const find = async (id: number): Promise<StoredEvent> => {
    const row = await storage.event(id);
    if (row === undefined) throw new PassworksWebhookError('not_found', `no event with id ${id}`);
    return row;
  };

  router.get('/events', async (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, EVENT_LIST);
    const stream_cursor = await streamCursor(storage);
    const rows = await storage.events(filters, eventRange(filters, cursor, 'after'), limit + 1);
    res.json({ ...pageOf(rows, limit, eventView, eventPosition(filters)), stream_cursor });
  });
  router.get('/events/count', async (req: Request, res: Response) => {
    res.json({ data: { count: await storage.countEvents(readQuery(req, EVENT_FILTERS)) } });
  });
  router.get('/events/:id', async (req: Request, res: Response) => {
    readQuery(req, NO_PARAMETERS);
    res.json({ data: eventView(await find(eventId(req))) });
  });
  router.get('/events/:id/raw', async (req: Request, res: Response) => {
    readQuery(req, NO_PARAMETERS);
    // The exact bytes the platform sent.
    res
      .status(200)
      .type('application/json')
      .send((await find(eventId(req))).raw);
  });
  router.get('/export/events.ndjson', async (req: Request, res: Response) => {
    const filters = readQuery(req, EVENT_FILTERS);
    res.status(200).type('application/x-ndjson; charset=utf-8');
    // Keyset chunks, in the list's order: the connection is never held by an open iterator while writes wait.
    for (let range: EventRange = { after: 0 }; ;) {
      const rows = await storage.events(filters, range, EXPORT_CHUNK);
      const text = rows.map((row) => `${JSON.stringify(eventView(row))}\n`).join('');
      if (text.length > 0 && !res.write(text) && !res.destroyed) await drained(res);
      if (rows.length < EXPORT_CHUNK || res.destroyed) break;
      const last = rows[rows.length - 1] as EventRow;
      range = { after: last.id, at: last.event_at_ms };
    }
    res.end();
  });
  return router;
}
