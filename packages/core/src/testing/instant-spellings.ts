/** One instant as the spelling functions take it: epoch ms and nanoseconds past it. */
export interface InstantParts {
  readonly ms: number;
  /** 0 to 999_999. */
  readonly subMsNanos: number;
}

/** How one RFC 3339 spelling is written: offset, fraction digits, letter case. */
export interface Spelling {
  /** Minutes east of UTC, -1_439 to 1_439, or null for `Z`. */
  readonly offsetMinutes: number | null;
  /** `-00:00` (offset unknown, RFC 3339 §4.3) instead of `+00:00` when the offset is 0. */
  readonly unknownOffset: boolean;
  /** Zeros written after the significant fraction digits (when there are fewer than nine). */
  readonly extraZeros: number;
  /** Digits written past the ninth (nanosecond) digit when all nine are written: below the toolkit's resolution. */
  readonly pastNanos: string;
  readonly lowerT: boolean;
  readonly lowerZ: boolean;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function zoneOf(offsetMinutes: number, unknownOffset: boolean): string {
  const sign = offsetMinutes < 0 || (offsetMinutes === 0 && unknownOffset) ? '-' : '+';
  const minutes = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}`;
}

/** `YYYY-MM-DD`, the separator, `HH:MM` of the local time `localMs`. */
function dateAndMinute(localMs: number, separator: string): string {
  const local = new Date(localMs);
  return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}${separator}${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}`;
}

/**
 * Writes `instant` as an RFC 3339 date-time in the given spelling, for
 * property tests of a key or an order: every spelling names the same
 * instant (to the nanosecond), so it must give one key.
 * @example spellInstant({ ms: Date.UTC(2016, 7, 10, 11, 30, 6), subMsNanos: 0 }, { offsetMinutes: 120, ... }) // '2016-08-10T13:30:06+02:00'
 */
export function spellInstant({ ms, subMsNanos }: InstantParts, spelling: Spelling): string {
  const localMs = ms + (spelling.offsetMinutes ?? 0) * 60_000;
  const local = new Date(localMs);
  const significant = `${pad(local.getUTCMilliseconds(), 3)}${pad(subMsNanos, 6)}`.replace(/0+$/, '');
  const digits = significant.length === 9 ? `${significant}${spelling.pastNanos}` : `${significant}${'0'.repeat(spelling.extraZeros)}`;
  const zone = spelling.offsetMinutes === null ? (spelling.lowerZ ? 'z' : 'Z') : zoneOf(spelling.offsetMinutes, spelling.unknownOffset);
  return `${dateAndMinute(localMs, spelling.lowerT ? 't' : 'T')}:${pad(local.getUTCSeconds(), 2)}${digits === '' ? '' : `.${digits}`}${zone}`;
}

/**
 * Writes the leap second that ends the UTC day of `dayMs` (`23:59:60` UTC)
 * in an offset (null for `Z`) and with a fraction: every result names one
 * instant, `23:59:59.999999999Z` of that day.
 * @example spellLeapSecond(Date.UTC(2016, 11, 31), 60, '5') // '2017-01-01T00:59:60.5+01:00'
 */
export function spellLeapSecond(dayMs: number, offsetMinutes: number | null, fraction: string): string {
  const lastMinute = Math.floor(dayMs / 86_400_000) * 86_400_000 + 86_340_000;
  const zone = offsetMinutes === null ? 'Z' : zoneOf(offsetMinutes, false);
  return `${dateAndMinute(lastMinute + (offsetMinutes ?? 0) * 60_000, 'T')}:60${fraction === '' ? '' : `.${fraction}`}${zone}`;
}
