import type { Request, Response } from 'express';
import type { Logger } from '@passworks-webhooks/core';
import type { EventRow } from '../storage/storage.js';
import { param, readQuery } from './read-query.js';
import { invalidRequest } from './send-error.js';
import { streamPositionOfCursor } from './stream-cursor.js';
import { isAfter, type EventFilters as EventFeedFilters, type Storage, type StreamPosition, type StreamedEvent } from '../storage/storage.js';

/** Options of {@link createEventStream}. */
export interface EventStreamOptions {
  /** How often the shared poller reads new events. @default 250 */
  readonly pollMs?: number;
  /** How often an idle stream gets a comment line. @default 15_000 */
  readonly heartbeatMs?: number;
  /** Bytes a client may leave unread before it is dropped. @default 1_048_576 */
  readonly maxBufferedBytes?: number;
  /** Rows read per poll (and per catch-up read of a client behind). @default 500 */
  readonly batchSize?: number;
}

/** The live feed behind `GET /api/events/stream`. */
export interface EventStream {
  /** The route handler: a `text/event-stream` of new events; resolves once the client is streaming, or left. */
  readonly handle: (req: Request, res: Response) => Promise<void>;
  /** Clients connected now. */
  readonly clients: number;
  /** Whether the shared poller runs (it does while any client is connected). */
  readonly polling: boolean;
  /** Clients dropped for not reading. */
  readonly dropped: number;
  /** When the poller last finished a read, epoch ms (the stream's clock); undefined before its first. */
  readonly lastPolledAtMs: number | undefined;
  /** Ends every stream and stops polling. */
  close(): void;
}

interface Client {
  readonly res: Response;
  readonly filters: EventFeedFilters;
  /** The stream position of the last event this client was sent or skipped by its filters. */
  cursor: StreamPosition;
}

const FILTERS = { event: param.text, pass_id: param.uuid, campaign_id: param.uuid, after: param.integer(0, Number.MAX_SAFE_INTEGER), cursor: param.string };

/** Where a client starts: now, after an event id, or at a stream position (a list's `stream_cursor`). */
type Start = { readonly now: true } | { readonly afterId: number } | { readonly at: StreamPosition };

/** What one stream message carries: the row of the live list. */
function summaryOf(row: EventRow): Record<string, unknown> {
  return {
    id: row.id,
    event: row.event,
    pass_id: row.pass_id,
    campaign_id: row.campaign_id,
    event_at: row.event_at,
    received_at: new Date(row.received_at).toISOString(),
  };
}

const matches = (row: EventRow, filters: EventFeedFilters): boolean =>
  (filters.event === undefined || row.event === filters.event) &&
  (filters.pass_id === undefined || row.pass_id === filters.pass_id) &&
  (filters.campaign_id === undefined || row.campaign_id === filters.campaign_id);

/**
 * `Last-Event-ID` (a reconnect) wins over `?cursor=` and `?after=` (the first
 * connect, where EventSource cannot set headers); those two exclude each other.
 */
function startOf(req: Request, after: number | undefined, cursor: string | undefined): Start {
  const header = req.headers['last-event-id'];
  if (header !== undefined && header !== '') return { afterId: param.integer(0, Number.MAX_SAFE_INTEGER)('Last-Event-ID', String(header).trim()) };
  if (after !== undefined && cursor !== undefined) throw invalidRequest('query', 'either cursor or after, not both', 'cursor, after');
  if (cursor !== undefined) return { at: streamPositionOfCursor('cursor', cursor) };
  return after === undefined ? { now: true } : { afterId: after };
}

/**
 * The server-sent events feed of stored events. One poller, shared by all
 * connected clients, reads the events past the last stream position it saw
 * (`storage.streamEvents`, an indexed range, every `pollMs`) and hands each
 * client the rows past its own cursor; so any writer (another process on the
 * same database included) is seen, and the webhook path never waits for a
 * reader. The stream order is the commit-safe one of the storage: the id on
 * SQLite, where ids commit in order; on PostgreSQL, where two instances may
 * commit ids out of order, the inserting transaction then the id, listing an
 * event only once no transaction that could come before it is still running,
 * so no event is skipped. A client starts now, at a list's `stream_cursor`
 * (`?cursor=`, taken before the list's rows: nothing between the list and the
 * stream is lost) or after an event (`?after=`). Each message's `id:` is the
 * event id: a reconnect with `Last-Event-ID` resumes right after that event's
 * position. The close handler is registered before anything is awaited: a
 * client that leaves while its start is read is never added, and the poller
 * stops when the last client leaves. A client whose unread bytes pass
 * `maxBufferedBytes` is dropped; it reconnects and resumes by its last id.
 */
export function createEventStream(storage: Storage, logger: Logger, options: EventStreamOptions = {}): EventStream {
  const { pollMs = 250, heartbeatMs = 15_000, maxBufferedBytes = 1_048_576, batchSize = 500 } = options;
  const clients = new Set<Client>();
  let head: StreamPosition | undefined;
  let dropped = 0;
  /** Set by close(): a handler still awaiting its start then adds no client. */
  let closed = false;
  let poller: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const drop = (client: Client): void => {
    clients.delete(client);
    dropped += 1;
    logger.warn({ buffered: client.res.writableLength }, 'event stream client dropped: it did not read');
    client.res.destroy();
  };
  /** Writes rows past the client's cursor; false once the client was dropped. */
  const send = (client: Client, rows: readonly StreamedEvent[]): boolean => {
    for (const row of rows) {
      if (!isAfter(row.position, client.cursor)) continue;
      client.cursor = row.position;
      if (!matches(row, client.filters)) continue;
      client.res.write(`id: ${row.id}\nevent: event\ndata: ${JSON.stringify(summaryOf(row))}\n\n`);
      if (client.res.writableLength > maxBufferedBytes) {
        drop(client);
        return false;
      }
    }
    return true;
  };
  let reading = false;
  let lastPolledAtMs: number | undefined;
  const poll = async (): Promise<void> => {
    // One poll at a time: a slow database must not pile reads up.
    if (clients.size === 0 || reading) return;
    reading = true;
    try {
      const from = head ?? (await storage.streamHead());
      const rows = await storage.streamEvents(from, batchSize);
      // Every client may have left during the reads (stopWhenIdle cleared the head): the next start reads it afresh.
      if (clients.size === 0) return;
      const last = rows[rows.length - 1];
      head = last === undefined ? from : last.position;
      lastPolledAtMs = Date.now();
      for (const client of clients) {
        // Behind the shared window (it resumed from an old id): one catch-up page of its own per poll.
        if (isAfter(from, client.cursor)) send(client, await storage.streamEvents(client.cursor, batchSize));
        else send(client, rows);
      }
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'event stream poll failed');
    } finally {
      reading = false;
    }
  };
  /** The stream position a client starts after: after an event's position (one no longer stored, by retention: now). */
  const cursorOf = async (start: Start): Promise<StreamPosition> => {
    if ('at' in start) return start.at;
    if ('afterId' in start) {
      if (start.afterId === 0) return [0, 0];
      const position = await storage.streamPositionOf(start.afterId);
      if (position !== undefined) return position;
    }
    return storage.streamHead();
  };
  const beat = (): void => {
    for (const client of clients) {
      client.res.write(': heartbeat\n\n');
      if (client.res.writableLength > maxBufferedBytes) drop(client);
    }
  };
  const startPolling = (): void => {
    poller ??= setInterval(() => void poll(), pollMs);
    heartbeat ??= setInterval(beat, heartbeatMs);
  };
  const stopWhenIdle = (): void => {
    if (clients.size > 0) return;
    clearInterval(poller);
    clearInterval(heartbeat);
    poller = undefined;
    heartbeat = undefined;
    head = undefined;
  };

  return {
    async handle(req, res) {
      const { after, cursor: startCursor, ...filters } = readQuery(req, FILTERS);
      const start = startOf(req, after, startCursor);
      // Before any await: a client that leaves while its start is read must not be added afterwards (and keep the poller running).
      let client: Client | undefined;
      let left = false;
      res.on('close', () => {
        left = true;
        if (client === undefined) return;
        clients.delete(client);
        stopWhenIdle();
      });
      const cursor = await cursorOf(start);
      if (left || res.destroyed) return;
      if (closed) {
        res.destroy();
        return;
      }
      client = { res, filters, cursor };
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write('retry: 1000\n\n');
      clients.add(client);
      startPolling();
    },
    get clients() {
      return clients.size;
    },
    get polling() {
      return poller !== undefined;
    },
    get lastPolledAtMs() {
      return lastPolledAtMs;
    },
    get dropped() {
      return dropped;
    },
    close() {
      closed = true;
      for (const client of clients) client.res.end();
      clients.clear();
      stopWhenIdle();
    },
  };
}
