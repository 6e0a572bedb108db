import { invalidRequest } from './send-error.js';

/** Encodes a position in a list as an opaque cursor. */
export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify([position]), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; anything else throws `invalid_request`. */
export function decodeCursor<T extends 'string' | 'number'>(cursor: string, kind: T): T extends 'string' ? string : number {
  let position: unknown;
  try {
    position = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[])[0];
  } catch {
    position = undefined;
  }
  if (typeof position !== kind || (kind === 'number' && !Number.isSafeInteger(position))) {
    throw invalidRequest('cursor', 'a next_cursor value from a previous page', cursor);
  }
  return position as T extends 'string' ? string : number;
}

/** One page of a list: the rows shown, and the cursor of the next page (null on the last). */
export function pageOf<R, O>(rows: readonly R[], limit: number, view: (row: R) => O, position: (row: R) => string | number): { data: O[]; next_cursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { data: shown.map(view), next_cursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null };
}
