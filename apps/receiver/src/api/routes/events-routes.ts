import type Database from 'better-sqlite3';
import { Router, type Request, type Response } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import { decodeCursor, pageOf } from '../cursor.js';
import { eventView, type EventRow } from '../event-view.js';
import { param, readQuery } from '../read-query.js';
import { invalidRequest } from '../send-error.js';

const FILTERS = { event: param.text, pass_id: param.uuid, campaign_id: param.uuid, since: param.instant, until: param.instant };
const LIST = { ...FILTERS, limit: param.integer(1, 1000), cursor: param.string };
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

/** The WHERE clause of the event filters (`since` inclusive, `until` exclusive, on `event_at`). */
function whereOf(filters: ReturnType<typeof readQuery<typeof FILTERS>>, afterId: number): { sql: string; values: unknown[] } {
  const clauses = ['id > ?'];
  const values: unknown[] = [afterId];
  const add = (clause: string, value: unknown): void => {
    clauses.push(clause);
    values.push(value);
  };
  if (filters.event !== undefined) add('event = ?', filters.event);
  if (filters.pass_id !== undefined) add('pass_id = ?', filters.pass_id);
  if (filters.campaign_id !== undefined) add('campaign_id = ?', filters.campaign_id);
  if (filters.since !== undefined) add('event_at_ms >= ?', filters.since);
  if (filters.until !== undefined) add('event_at_ms < ?', filters.until);
  return { sql: clauses.join(' AND '), values };
}

function eventId(req: Request): number {
  const raw = String(req.params.id);
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw invalidRequest('id', 'a positive integer event id', raw);
  return id;
}

/** `/events`, `/events/:id`, `/events/:id/raw` and `/export/events.ndjson`. */
export function eventsRoutes(db: Database.Database): Router {
  const router = Router();
  const byId = db.prepare<[number], EventRow>('SELECT * FROM events WHERE id = ?');
  const find = (id: number): EventRow => {
    const row = byId.get(id);
    if (row === undefined) throw new PassworksWebhookError('not_found', `no event with id ${id}`);
    return row;
  };
  const select = (filters: ReturnType<typeof readQuery<typeof FILTERS>>, afterId: number, limit: number): EventRow[] => {
    const where = whereOf(filters, afterId);
    return db.prepare<unknown[], EventRow>(`SELECT * FROM events WHERE ${where.sql} ORDER BY id LIMIT ?`).all(...where.values, limit);
  };

  router.get('/events', (req: Request, res: Response) => {
    const { limit = 100, cursor, ...filters } = readQuery(req, LIST);
    const rows = select(filters, cursor === undefined ? 0 : decodeCursor(cursor, 'number'), limit + 1);
    res.json(pageOf(rows, limit, eventView, (row) => row.id));
  });
  router.get('/events/:id', (req: Request, res: Response) => {
    res.json({ data: eventView(find(eventId(req))) });
  });
  router.get('/events/:id/raw', (req: Request, res: Response) => {
    // The exact bytes the platform sent.
    res.status(200).type('application/json').send(find(eventId(req)).raw);
  });
  router.get('/export/events.ndjson', async (req: Request, res: Response) => {
    const filters = readQuery(req, FILTERS);
    res.status(200).type('application/x-ndjson; charset=utf-8');
    // Keyset chunks: the connection is never held by an open iterator while writes wait.
    for (let after = 0; ; ) {
      const rows = select(filters, after, EXPORT_CHUNK);
      const text = rows.map((row) => `${JSON.stringify(eventView(row))}\n`).join('');
      if (text.length > 0 && !res.write(text) && !res.destroyed) await drained(res);
      if (rows.length < EXPORT_CHUNK || res.destroyed) break;
      after = (rows[rows.length - 1] as EventRow).id;
    }
    res.end();
  });
  return router;
}
