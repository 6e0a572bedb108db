import { getJson, type Page } from '../api.ts';
import { BarChart } from '../bar-chart.tsx';
import { href } from '../router.ts';
import { useLoad } from './use-load.ts';

interface Stats {
  readonly total: number;
  readonly by_event: Array<{ event: string; count: number }>;
  readonly by_campaign: Array<{ campaign_id: string; count: number; passes: number }>;
  readonly by_day: Array<{ day: string; count: number }>;
}

const DAYS = 60;
const REJECTIONS_SAMPLE = 1_000;

/** Counts of the newest rejections by UTC day of arrival. */
function rejectionsByDay(rows: ReadonlyArray<{ received_at: string }>): Array<{ label: string; value: number }> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.received_at.slice(0, 10), (counts.get(row.received_at.slice(0, 10)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label: label.slice(5), value }));
}

/** Events per day and per name, top campaigns (from `/api/stats`), and recent rejections per day. */
export function OverviewPage() {
  const loaded = useLoad('overview', async () => {
    const [stats, rejections] = await Promise.all([getJson<{ data: Stats }>('/api/stats'), getJson<Page<{ received_at: string }>>(`/api/rejections?limit=${REJECTIONS_SAMPLE}`)]);
    return { stats: stats.data, rejections: rejections.data };
  });
  if (loaded.state === 'loading') return <p class="muted">Loading statistics…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  const { stats, rejections } = loaded.value;
  const topCampaigns = [...stats.by_campaign].sort((a, b) => b.count - a.count).slice(0, 10);
  return (
    <section>
      <h1>Overview</h1>
      <p data-testid="total">
        <strong>{stats.total.toLocaleString('en')}</strong> events stored
      </p>
      <h2>Events per day (event_at, UTC, last {DAYS} days with events)</h2>
      <BarChart title="events per day" bars={stats.by_day.slice(-DAYS).map((day) => ({ label: day.day.slice(5), value: day.count }))} />
      <h2>Events by name</h2>
      <BarChart title="events by name" bars={stats.by_event.map((row) => ({ label: row.event, value: row.count }))} />
      <h2>Rejections per day (newest {REJECTIONS_SAMPLE.toLocaleString('en')})</h2>
      {rejections.length === 0 ? <p class="muted">No rejections.</p> : <BarChart title="rejections per day" height={120} bars={rejectionsByDay(rejections)} />}
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
