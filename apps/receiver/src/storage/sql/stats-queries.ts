import type { Stats, StatsFilters } from '../storage.js';

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How many hours `by_hour` lists at most: the newest week of the window. */
export const BY_HOUR_SPAN = 168;

/** The start of the UTC hour holding `ms`. */
export const hourOf = (ms: number): number => ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
/** The start of the UTC unit of `unitMs` (an hour, a day) holding the value of `column`, in SQL (both dialects: `%` keeps the dividend's sign, hence the second modulo). */
const floorSql = (column: string, unitMs: number): string => `(${column} - ((${column} % ${unitMs}) + ${unitMs}) % ${unitMs})`;

/** The SQL of one stats read (named parameters written `@name`), and the values of its parameters. */
export interface StatsSql {
  readonly params: Record<string, number | string>;
  /**
   * `kind` (`event`, `campaign` or `day`), `key` (the name, the campaign, the day's epoch ms as text), `count`:
   * one read for the window's totals per name, per campaign and per day (whole days from `event_day_counts`),
   * summed in the database: its rows follow the names, campaigns and days, not their combinations
   */
  readonly totals: string;
  /** `hour` (epoch ms), `event`, `count`: the newest {@link BY_HOUR_SPAN} hours of the window that have events */
  readonly byHour: string;
  /** `campaign_id, passes`: stored passes per campaign (`pass_counts`, summing PostgreSQL's stripes) */
  readonly passes: string;
  /** `hour, count`: duplicates answered per hour */
  readonly duplicates: string;
  /** `hour, count`: rejections per hour */
  readonly rejections: string;
}

/** A summary of events per unit of time (a UTC hour or day of `event_at`), event name and campaign. */
interface Summary {
  readonly table: string;
  /** The column holding the start of each row's unit, in epoch ms. */
  readonly column: string;
  readonly unitMs: number;
}

const HOURS: Summary = { table: 'event_counts', column: 'hour', unitMs: HOUR_MS };
const DAYS: Summary = { table: 'event_day_counts', column: 'day', unitMs: DAY_MS };

/**
 * The stats as reads of the summary tables (`event_day_counts`, `event_counts`,
 * `duplicate_counts`, `rejection_counts`, `pass_counts`, kept in each write's
 * transaction), so their cost follows the number of days, hours, event names
 * and campaigns, not of stored events. Events are counted by the UTC day and
 * hour of `event_at`: the totals take the window's whole days from
 * `event_day_counts`, the whole hours left at either end from `event_counts`,
 * and the part of an hour at either edge of a `since`/`until` that is not on
 * the hour from `events` (an index range of less than an hour each), so every
 * count is exact; `by_hour` reads hours and edges only. Duplicates and
 * rejections are counted by the hour they were answered: the window takes
 * every hour it overlaps. `edgeSource` names the events table for the edge
 * reads with the dialect's index hint, if it needs one (SQLite, without
 * statistics, would take the campaign index over the `event_at` range).
 */
export function statsSql(filters: StatsFilters, { edgeSource = 'events' }: { readonly edgeSource?: string } = {}): StatsSql {
  const { since, until, campaign_id } = filters;
  const params: Record<string, number | string> = {};
  const value = (v: number | string): string => {
    const name = `p${Object.keys(params).length}`;
    params[name] = v;
    return `@${name}`;
  };
  const campaign = campaign_id === undefined ? '' : ` AND campaign_id = ${value(campaign_id)}`;
  /**
   * Reads counting the events of [start, end) (open where undefined) as rows of (t, event, campaign_id, count), t the
   * start of their unit of `unitMs` (the last summary's unit): the whole units of the first summary, then the rest at
   * either end from the finer ones, then from the events.
   */
  const cover = (start: number | undefined, end: number | undefined, summaries: readonly Summary[], unitMs: number, newestOnly = false): string[] => {
    const [summary, ...finer] = summaries;
    if (summary === undefined) {
      if (start === undefined || end === undefined || start >= end) return [];
      return [
        `SELECT ${floorSql('event_at_ms', unitMs)} AS t, event, campaign_id, count(*) AS count FROM ${edgeSource}
         WHERE event_at_ms >= ${value(start)} AND event_at_ms < ${value(end)}${campaign} GROUP BY 1, 2, 3`,
      ];
    }
    const { table, column } = summary;
    const t = summary.unitMs === unitMs ? column : floorSql(column, unitMs);
    const floor = (ms: number): number => ms - (((ms % summary.unitMs) + summary.unitMs) % summary.unitMs);
    const from = start === undefined ? undefined : floor(start) === start ? start : floor(start) + summary.unitMs;
    const to = end === undefined ? undefined : floor(end);
    if (from !== undefined && to !== undefined && from >= to) return cover(start, end, finer, unitMs);
    const range = [from === undefined ? '' : ` AND ${column} >= ${value(from)}`, to === undefined ? '' : ` AND ${column} < ${value(to)}`].join('');
    // For by_hour: only the rows within the span before the newest unit of the range (a max() read from the index),
    // not the whole history; an edge after it can only move the newest hour later, and the caller's filter is exact.
    const newest = newestOnly ? ` AND ${column} > (SELECT max(${column}) FROM ${table} WHERE 1 = 1${range}${campaign}) - ${BY_HOUR_SPAN * HOUR_MS}` : '';
    return [
      `SELECT ${t} AS t, event, campaign_id, count FROM ${table} WHERE 1 = 1${range}${campaign}${newest}`,
      ...(start !== undefined && from !== undefined && start < from ? cover(start, from, finer, unitMs) : []),
      ...(end !== undefined && to !== undefined && to < end ? cover(to, end, finer, unitMs) : []),
    ];
  };
  const counted = (parts: readonly string[]): string =>
    `WITH counted AS (${parts.length === 0 ? 'SELECT 0 AS t, NULL AS event, NULL AS campaign_id, 0 AS count WHERE 1 = 0' : parts.join(' UNION ALL ')})`;
  const answered = [since === undefined ? '' : ` AND hour >= ${value(hourOf(since))}`, until === undefined ? '' : ` AND hour < ${value(until)}`].join('');
  return {
    params,
    totals: `${counted(cover(since, until, [DAYS, HOURS], DAY_MS))}
      SELECT 'event' AS kind, event AS key, sum(count) AS count FROM counted GROUP BY event
      UNION ALL SELECT 'campaign', campaign_id, sum(count) FROM counted GROUP BY campaign_id
      UNION ALL SELECT 'day', CAST(t AS TEXT), sum(count) FROM counted GROUP BY t`,
    byHour: `${counted(cover(since, until, [HOURS], HOUR_MS, true))} SELECT t AS hour, event, sum(count) AS count FROM counted
      WHERE t > (SELECT max(t) FROM counted) - ${BY_HOUR_SPAN * HOUR_MS} GROUP BY t, event ORDER BY t, event`,
    passes: `SELECT campaign_id, sum(count) AS passes FROM pass_counts WHERE 1 = 1${campaign} GROUP BY campaign_id`,
    duplicates: `SELECT hour, sum(count) AS count FROM duplicate_counts WHERE 1 = 1${answered}${campaign} GROUP BY hour ORDER BY hour`,
    rejections: `SELECT hour, sum(count) AS count FROM rejection_counts WHERE 1 = 1${answered} GROUP BY hour ORDER BY hour`,
  };
}

/** The values of the `@name` parameters that `sql` uses, in their order of first use (for `$1`-style placeholders). */
export function usedParams(sql: string, params: Readonly<Record<string, number | string>>): Array<[string, number | string]> {
  const names = [...new Set(Array.from(sql.matchAll(/@(\w+)/g), (match) => match[1] as string))];
  return names.map((name) => [name, params[name] as number | string]);
}

/** What the statements of {@link statsSql} returned (numbers may come as text from PostgreSQL). */
export interface StatsRows {
  readonly totals: ReadonlyArray<{ kind: 'event' | 'campaign' | 'day'; key: string; count: number | string }>;
  readonly byHour: ReadonlyArray<{ hour: number | string; event: string; count: number | string }>;
  readonly passes: ReadonlyArray<{ campaign_id: string; passes: number | string }>;
  readonly duplicates: ReadonlyArray<{ hour: number | string; count: number | string }>;
  readonly rejections: ReadonlyArray<{ hour: number | string; count: number | string }>;
}

const dayText = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const hourText = (ms: number): string => new Date(ms).toISOString();

/** Counts per hour as a total, per day, and per hour for the newest {@link BY_HOUR_SPAN} hours with any. */
function overTime(rows: StatsRows['duplicates']): Stats['duplicates'] {
  const hours = rows.map((row) => ({ hour: Number(row.hour), count: Number(row.count) }));
  const days = new Map<string, number>();
  for (const { hour, count } of hours) days.set(dayText(hour), (days.get(dayText(hour)) ?? 0) + count);
  const newest = hours.length === 0 ? 0 : (hours[hours.length - 1] as { hour: number }).hour;
  return {
    total: hours.reduce((sum, row) => sum + row.count, 0),
    by_day: [...days].map(([day, count]) => ({ day, count })),
    by_hour: hours.filter((row) => row.hour > newest - BY_HOUR_SPAN * HOUR_MS).map((row) => ({ hour: hourText(row.hour), count: row.count })),
  };
}

/** The stats answer from the rows of {@link statsSql}. */
export function statsOf(rows: StatsRows): Stats {
  const passes = new Map(rows.passes.map((row) => [row.campaign_id, Number(row.passes)]));
  const byEvent = new Map<string, number>();
  const byCampaign = new Map<string, number>();
  const byDay = new Map<number, number>();
  let total = 0;
  for (const { kind, key, count } of rows.totals) {
    if (kind === 'event') {
      byEvent.set(key, Number(count));
      total += Number(count);
    } else if (kind === 'campaign') byCampaign.set(key, Number(count));
    else byDay.set(Number(key), Number(count));
  }
  // Byte order, as the databases sort these columns (binary on SQLite, "C" on PostgreSQL).
  const sorted = <K extends string | number>(map: Map<K, number>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    total,
    by_event: sorted(byEvent).map(([event, count]) => ({ event, count })),
    by_campaign: sorted(byCampaign).map(([campaign_id, count]) => ({ campaign_id, count, passes: passes.get(campaign_id) ?? 0 })),
    by_day: sorted(byDay).map(([day, count]) => ({ day: dayText(day), count })),
    by_hour: rows.byHour.map((row) => ({ hour: hourText(Number(row.hour)), event: row.event, count: Number(row.count) })),
    duplicates: overTime(rows.duplicates),
    rejections: overTime(rows.rejections),
  };
}
