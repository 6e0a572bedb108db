/**
 * One instant on the UTC timeline, at nanosecond resolution, as the whole
 * toolkit reads a date-time: the schema's check, the idempotency key and the
 * receiver's order all come from {@link parseInstant}.
 */
export interface Instant {
  /** Epoch milliseconds (whole, rounded down): what `Date` and a database column hold. */
  readonly ms: number;
  /** Nanoseconds past {@link ms}, 0 to 999_999: the digits a millisecond clock drops. */
  readonly subMsNanos: number;
  /**
   * The one spelling of the instant: UTC, `Z`, always three millisecond
   * digits, then any non-zero digits past the millisecond
   * (`2016-08-10T11:30:06.000Z`, `2016-08-10T11:30:06.123456Z`).
   */
  readonly iso: string;
  /** Whether the text named a leap second (`23:59:60` UTC); see {@link parseInstant}. */
  readonly leapSecond: boolean;
}

// RFC 3339 §5.6 `date-time`, with the lower-case `t` and `z` its §5.6 note allows.
// No RFC 9557 suffix (`[UTC]`): it names a calendar, not another instant, and Date cannot read it.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MS_PER_DAY = 86_400_000;

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`): exact for any year, unlike `Date.UTC`, which reads 0-99 as 1900-1999. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The canonical spelling of `ms` plus `subMsNanos` (see {@link Instant.iso}).
 * Given the text it was read from when that text names UTC, its own date and
 * time fields are the spelling's: `Date#toISOString` costs several times the parse.
 */
function isoOf(ms: number, subMsNanos: number, utcText?: string): string {
  const seconds = utcText === undefined ? new Date(ms).toISOString().slice(0, 19) : `${utcText.slice(0, 10)}T${utcText.slice(11, 19)}`;
  const millis = String(ms - Math.floor(ms / 1_000) * 1_000).padStart(3, '0');
  const past = subMsNanos === 0 ? '' : String(subMsNanos).padStart(6, '0').replace(/0+$/, '');
  return `${seconds}.${millis}${past}Z`;
}

/**
 * Reads an RFC 3339 date-time (`2016-08-10T11:30:06Z`, `...06.5+02:00`,
 * `...06.123456789z`) into the one {@link Instant} it names, or `undefined`
 * when it names none (not that grammar, a day or hour out of range, a leap
 * second anywhere but `23:59:60` UTC, an RFC 9557 `[zone]` suffix).
 *
 * Decisions every part of the toolkit shares:
 * - Resolution is one nanosecond: fraction digits past the ninth are dropped
 *   (so any RFC 3339 precision is accepted, and the key stays short).
 * - A leap second (`23:59:60`, in any offset that makes it 23:59:60 UTC, on
 *   any day: the toolkit keeps no leap-second table) is the last representable
 *   instant of the second before it, `23:59:59.999999999Z`, whatever its
 *   fraction. So it stays in its own UTC day, orders after every instant of
 *   `23:59:59` and before the next day's `00:00:00Z`, is storable as epoch
 *   milliseconds, and all its spellings are one key.
 * - `-00:00` (offset unknown, RFC 3339 §4.3) is the same instant as `Z`.
 * @example parseInstant('2016-08-10T13:30:06+02:00')?.iso // '2016-08-10T11:30:06.000Z'
 */
export function parseInstant(text: string): Instant | undefined {
  const read = readInstant(text);
  if (read === undefined) return undefined;
  return { ms: read.ms, subMsNanos: read.subMsNanos, iso: isoOf(read.ms, read.subMsNanos, read.utc ? text : undefined), leapSecond: read.leapSecond };
}

/**
 * Whether `text` names an instant ({@link parseInstant} reads it), without
 * building its spelling: validation checks every date-time field of every
 * delivery, and only the key needs the spelling of one.
 */
export function isInstant(text: string): boolean {
  return readInstant(text) !== undefined;
}

/** {@link parseInstant} without the spelling: the one reader of the grammar and the calendar; `utc` when the text names UTC, no leap second. */
function readInstant(text: string): (Omit<Instant, 'iso'> & { readonly utc: boolean }) | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction = '', sign, offsetHourText, offsetMinuteText] =
    match as unknown as string[];
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const offsetHour = Number(offsetHourText ?? 0);
  const offsetMinute = Number(offsetMinuteText ?? 0);
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offsetHour > 23 || offsetMinute > 59) return undefined;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  const leapSecond = second === 60;
  // RFC 3339 §5.7: a leap second is 23:59:60 in UTC; in another offset the local minute differs.
  if (leapSecond && (((hour * 60 + minute - offsetMinutes) % 1_440) + 1_440) % 1_440 !== 1_439) return undefined;
  const minuteStart = daysFromCivil(year, month, day) * MS_PER_DAY + (hour * 60 + minute - offsetMinutes) * 60_000;
  if (leapSecond) return { ms: minuteStart + 59_999, subMsNanos: 999_999, leapSecond, utc: false };
  if (fraction === '') return { ms: minuteStart + second * 1_000, subMsNanos: 0, leapSecond, utc: offsetMinutes === 0 };
  const digits = fraction.slice(0, 9).padEnd(9, '0');
  return { ms: minuteStart + second * 1_000 + Number(digits.slice(0, 3)), subMsNanos: Number(digits.slice(3)), leapSecond, utc: offsetMinutes === 0 };
}

/** Orders two instants: negative when `a` is earlier, 0 when they are one instant, positive when later. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.subMsNanos - b.subMsNanos;
}
