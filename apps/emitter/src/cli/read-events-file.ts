import { readFile } from 'node:fs/promises';
import { validatePassEvent, type PassEvent } from '@passworks-webhooks/core';

/** Input the command cannot use (an unreadable file, a bad line): one line on stderr, exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The events of an NDJSON text: `generate`'s output (one event a line) or the
 * reference receiver's export (`GET /api/export/events.ndjson`: one stored
 * event a line, the event itself under `payload`). Blank lines are skipped;
 * a line that is not JSON or not a valid event throws an {@link InputError}
 * naming its number.
 */
export function eventsOfNdjson(text: string): PassEvent[] {
  const events: PassEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`line ${index + 1}: not JSON`);
    }
    const checked = validatePassEvent(isRecord(value) && isRecord(value['payload']) ? value['payload'] : value);
    if (!checked.ok) throw new InputError(`line ${index + 1}: not a Passworks event (${checked.error.message.split('\n')[0] ?? ''})`);
    // Unknown event names are events too: the platform may send them, so a replay does.
    events.push(checked.event as PassEvent);
  });
  return events;
}

/** {@link eventsOfNdjson} of a file; a missing or unreadable file is an {@link InputError}. */
export async function readEventsFile(path: string): Promise<PassEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return eventsOfNdjson(text);
}
