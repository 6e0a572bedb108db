import { invalidRequest } from './send-error.js';

/**
 * What a cursor holds: a key (`string`, `number`), a pair of integers (`pair`:
 * a place in a two-column order), or a place in the live stream (`stream`).
 */
interface Positions {
  readonly string: string;
  readonly number: number;
  readonly pair: readonly [number, number];
  readonly stream: { readonly stream: readonly [number, number] };
}

const isPair = (value: unknown): boolean => Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n) && n >= 0);

const isPosition: { readonly [K in keyof Positions]: (value: unknown) => boolean } = {
  string: (value) => typeof value === 'string',
  number: (value) => Number.isSafeInteger(value),
  pair: (value) => Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n)),
  stream: (value) => typeof value === 'object' && value !== null && isPair((value as { stream?: unknown }).stream),
};

/** Encodes a position in a list as an opaque cursor. */
export function encodeCursor(position: Positions[keyof Positions]): string {
  return Buffer.from(JSON.stringify([position]), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; anything else throws `invalid_request` naming the parameter `name`. */
export function decodeCursor<K extends keyof Positions>(
  cursor: string,
  kind: K,
  name = 'cursor',
  expected = 'a next_cursor value from a previous page',
): Positions[K] {
  let position: unknown;
  try {
    position = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[])[0];
  } catch {
    position = undefined;
  }
  if (!isPosition[kind](position)) throw invalidRequest(name, expected, cursor);
  return position as Positions[K];
}

/** One page of a list: the rows shown, and the cursor of the next page (null on the last). */
export function pageOf<R, O>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => O,
  position: (row: R) => Positions[keyof Positions],
): { data: O[]; next_cursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { data: shown.map(view), next_cursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null };
}
