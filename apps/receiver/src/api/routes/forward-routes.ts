import express, { Router, type Request } from 'express';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import type { ReplayRow } from '../../storage/forward-storage.js';
import { NO_PARAMETERS, readQuery } from '../read-query.js';
import { readReplayFilter, replayFilterView } from '../replay-filter.js';
import type { Storage } from '../../storage/storage.js';
import { invalidRequest } from '../send-error.js';

/** What the forwarding routes need besides the storage. */
export interface ForwardRoutesOptions {
  /** Whether the receiver forwards (FORWARD_URL set): replays need it. */
  readonly forwarding: boolean;
  /** Events per second a replay queues. */
  readonly replayRatePerSecond: number;
  readonly now: () => number;
  /** Tells the forwarder a replay was created, so it starts at once rather than at its next poll. */
  readonly replayCreated: () => void;
  /** Tells the forwarder an event was retried (due now, or queued again). */
  readonly retried: () => void;
}

/** A replay as the API shows it: its filter as given (instants as ISO strings). */
const replayView = (replay: ReplayRow) => ({ ...replay, filter: replayFilterView(replay.filter) });

const MAX_ATTEMPTS_LISTED = 1_000;

function idParam(req: Request, what: string): number {
  const raw = String(req.params.id);
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw invalidRequest('id', `a positive integer ${what} id`, raw);
  return id;
}

/** Reads a small JSON body; malformed JSON is a 400 `invalid_request`, not Express's HTML error. */
const jsonBody = express.raw({ type: () => true, limit: '16kb' });
function parsedBody(req: Request): unknown {
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('body', 'a JSON object', text);
  }
}

/**
 * `GET /events/:id/deliveries` (an event's forwarding state and attempts),
 * `POST /events/:id/retry` (202 with its forwarding state: a pending event is
 * due now, any other queued again as a replay of one), `POST /replays` (202 with the new replay), `GET /replays/:id` (its
 * progress), and `DELETE /replays/:id` or `POST /replays/:id/cancel`.
 */
export function forwardRoutes(storage: Storage, { forwarding, replayRatePerSecond, now, replayCreated, retried }: ForwardRoutesOptions): Router {
  const router = Router();
  const replayOrThrow = async (id: number) => {
    const replay = await storage.replay(id);
    if (replay === undefined) throw new PassworksWebhookError('not_found', `no replay with id ${id}`);
    return replayView(replay);
  };
  const cancel = async (req: Request): Promise<unknown> => {
    const id = idParam(req, 'replay');
    const replay = await storage.cancelReplay(id, now());
    if (replay === undefined) throw new PassworksWebhookError('not_found', `no replay with id ${id}`);
    return { data: replayView(replay) };
  };

  router.get('/events/:id/deliveries', async (req, res) => {
    readQuery(req, NO_PARAMETERS);
    const id = idParam(req, 'event');
    if ((await storage.event(id)) === undefined) throw new PassworksWebhookError('not_found', `no event with id ${id}`);
    const [forwarding, attempts] = await Promise.all([storage.outboxOf(id), storage.deliveries(id, MAX_ATTEMPTS_LISTED)]);
    res.json({ data: attempts, forwarding: forwarding ?? null });
  });
  router.post('/replays', jsonBody, async (req, res) => {
    if (!forwarding) throw new PassworksWebhookError('not_found', 'replays send events to FORWARD_URL, which is not set');
    const filter = readReplayFilter(parsedBody(req));
    const replay = await storage.createReplay({ filter, ratePerSecond: replayRatePerSecond, now: now() });
    replayCreated();
    res
      .status(202)
      .location(`/api/replays/${replay.id}`)
      .json({ data: replayView(replay) });
  });
  router.post('/events/:id/retry', async (req, res) => {
    const id = idParam(req, 'event');
    if (!forwarding) throw new PassworksWebhookError('not_found', 'a retry sends the event to FORWARD_URL, which is not set');
    const row = await storage.retryEvent(id, now());
    if (row === undefined) throw new PassworksWebhookError('not_found', `no event with id ${id}`);
    retried();
    res.status(202).json({ data: row });
  });
  router.get('/replays/:id', async (req, res) => {
    readQuery(req, NO_PARAMETERS);
    res.json({ data: await replayOrThrow(idParam(req, 'replay')) });
  });
  router.delete('/replays/:id', async (req, res) => {
    res.json(await cancel(req));
  });
  router.post('/replays/:id/cancel', async (req, res) => {
    res.json(await cancel(req));
  });
  return router;
}
