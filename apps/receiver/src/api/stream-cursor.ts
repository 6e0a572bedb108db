import type { Storage, StreamPosition } from '../storage/storage.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/**
 * The live stream's position now, as the opaque `stream_cursor` an event list
 * hands out. It is read before the list's rows, so it is never later than the
 * list: a stream started from it (`/api/events/stream?cursor=`) sends every
 * event the list could not show yet, and may send again one the list showed
 * (a client skips the ids it has).
 */
export async function streamCursor(storage: Storage): Promise<string> {
  const [xact, id] = await storage.streamHead();
  return encodeCursor({ stream: [xact, id] });
}

/** The stream position of a `stream_cursor`; anything else throws `invalid_request` naming `name`. */
export function streamPositionOfCursor(name: string, cursor: string): StreamPosition {
  return decodeCursor(cursor, 'stream', name, 'a stream_cursor of /api/events or /api/events/newest').stream;
}
