/**
 * The spellings of one instant that Passworks material shows
 * (domain.md: `...06Z`, `...06.000Z`, `...06.000+00:00`).
 */
export const INSTANT_SPELLINGS = ['seconds', 'milliseconds', 'offset'] as const;

/** One of {@link INSTANT_SPELLINGS}. */
export type InstantSpelling = (typeof INSTANT_SPELLINGS)[number];

/**
 * Writes an instant (ms since the epoch) in one spelling: `seconds` gives
 * `2016-08-10T11:30:06Z` (the platform's example; sub-second digits are kept
 * if any), `milliseconds` gives `2016-08-10T11:30:06.000Z`, `offset` gives
 * `2016-08-10T11:30:06.000+00:00`.
 * @default spelling 'seconds'
 */
export function formatInstant(ms: number, spelling: InstantSpelling = 'seconds'): string {
  const iso = new Date(ms).toISOString();
  switch (spelling) {
    case 'seconds':
      return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
    case 'milliseconds':
      return iso;
    case 'offset':
      return `${iso.slice(0, -1)}+00:00`;
  }
}

/** Parses an ISO 8601 date-time to ms since the epoch; throws on anything else. */
export function parseInstant(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`expected an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}
