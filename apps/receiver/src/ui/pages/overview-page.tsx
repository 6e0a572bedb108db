import { getJson, type StatsView } from '../api.ts';
import { BarChart, type Bar } from '../bar-chart.tsx';
import { href } from '../router.ts';
import { useLoad } from './use-load.ts';

/** `/api/stats` as the receiver sends it. */
type Stats = StatsView;

const DAYS = 60;
const HOUR_MS = 3_600_000;

/** Every hour from the first to the last listed (the API lists only hours with counts), as `MM-DD HH:00` labels. */
function hourly<T extends { hour: string }>(rows: readonly T[], bar: (label: string, rows: T[]) => Bar): Bar[] {
  if (rows.length === 0) return [];
  const byHour = new Map<number, T[]>();
  for (const row of rows) byHour.set(Date.parse(row.hour), [...(byHour.get(Date.parse(row.hour)) ?? []), row]);
  const hours = [...byHour.keys()];
  const bars: Bar[] = [];
  for (let hour = Math.min(...hours); hour <= Math.max(...hours); hour += HOUR_MS) {
    bars.push(bar(new Date(hour).toISOString().slice(5, 13).replace('T', ' ') + ':00', byHour.get(hour) ?? []));
  }
  return bars;
}

const total = (rows: ReadonlyArray<{ count: number }>): number => rows.reduce((sum, row) => sum + row.count, 0);

/** Events per hour by name and per day, duplicates and rejections over time, top campaigns: all from `/api/stats`. */
export function OverviewPage() {
  const loaded = useLoad('overview', async () => (await getJson<{ data: Stats }>('/api/stats')).data);
  if (loaded.state === 'loading') return <p class="muted">Loading statistics…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  const stats = loaded.value;
  const topCampaigns = [...stats.by_campaign].sort((a, b) => b.count - a.count).slice(0, 10);
  const perHour = hourly(stats.by_hour, (label, rows) => ({ label, value: total(rows), parts: rows.map((row) => ({ series: row.event, value: row.count })) }));
  const overTime = (counts: StatsView['duplicates'], title: string, testId: string) =>
    counts.total === 0 ? (
      <p class="muted" data-testid={testId}>
        None.
      </p>
    ) : (
      <div data-testid={testId}>
        <BarChart title={`${title} per hour`} height={120} bars={hourly(counts.by_hour, (label, rows) => ({ label, value: total(rows) }))} />
        <BarChart title={`${title} per day`} height={120} bars={counts.by_day.slice(-DAYS).map((day) => ({ label: day.day.slice(5), value: day.count }))} />
      </div>
    );
  return (
    <section>
      <h1>Overview</h1>
      <p class="numbers">
        <span data-testid="total">
          <strong>{stats.total.toLocaleString('en')}</strong> events stored
        </span>
        <span data-testid="duplicates-total">
          <strong>{stats.duplicates.total.toLocaleString('en')}</strong> duplicates answered
        </span>
        <span data-testid="rejections-total">
          <strong>{stats.rejections.total.toLocaleString('en')}</strong> rejections
        </span>
      </p>
      <h2>Events per hour by name (event_at, UTC, newest week with events)</h2>
      <BarChart title="events per hour by name" bars={perHour} />
      <h2>Events per day (event_at, UTC, last {DAYS} days with events)</h2>
      <BarChart title="events per day" bars={stats.by_day.slice(-DAYS).map((day) => ({ label: day.day.slice(5), value: day.count }))} />
      <h2>Events by name</h2>
      <BarChart title="events by name" bars={stats.by_event.map((row) => ({ label: row.event, value: row.count }))} />
      <h2>Duplicates answered (hour and day of arrival, UTC)</h2>
      {overTime(stats.duplicates, 'duplicates', 'duplicates')}
      <h2>Rejections (hour and day of arrival, UTC)</h2>
      {overTime(stats.rejections, 'rejections', 'rejections')}
      <h2>Top campaigns</h2>
      <table data-testid="campaigns">
        <thead>
          <tr>
            <th>campaign</th>
            <th>events</th>
            <th>passes</th>
          </tr>
        </thead>
        <tbody>
          {topCampaigns.map((row) => (
            <tr key={row.campaign_id}>
              <td>
                <a href={href(['events'], `?campaign_id=${encodeURIComponent(row.campaign_id)}`)}>{row.campaign_id}</a>
              </td>
              <td>{row.count.toLocaleString('en')}</td>
              <td>{row.passes.toLocaleString('en')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
