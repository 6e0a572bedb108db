import { useEffect, useState } from 'preact/hooks';
import { getJson, queryOf, type EventPage, type EventSummary } from '../api.ts';
import { short, when } from '../format.ts';
import { href } from '../router.ts';

const FILTERS = ['event', 'pass_id', 'campaign_id', 'since', 'until'] as const;
const PAGE = 50;
/** Rows kept on screen at most: the oldest live rows fall off (paging back reloads them). */
const MAX_ROWS = 2_000;

type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value !== null && value !== '') filters[name] = value;
  }
  return filters;
}

/** Whether a live event falls in the page's time range (the stream filters by name, pass and campaign only). */
function inRange(event: EventSummary, filters: Filters): boolean {
  const at = Date.parse(event.event_at);
  return (filters.since === undefined || at >= Date.parse(filters.since)) && (filters.until === undefined || at < Date.parse(filters.until));
}

/** The live events page: newest first, filtered, paging back by cursor, new events arriving over the event stream. */
export function EventsPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = queryOf(filters);
  const [rows, setRows] = useState<EventSummary[]>([]);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'loading' | 'live' | 'reconnecting' | 'failed'>('loading');
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let source: EventSource | undefined;
    let live = true;
    setRows([]);
    setStatus('loading');
    setError(undefined);
    (async () => {
      const page = await getJson<EventPage<EventSummary>>(`/api/events/newest${queryOf({ ...filters, limit: String(PAGE) })}`);
      if (!live) return;
      setRows(page.data);
      setCursor(page.next_cursor);
      // The stream starts at the page's stream cursor (read before its rows), so no event between this read and the stream is lost;
      // one the page shows already may come again, and is skipped by id (the stream itself sends each event once).
      const listed = new Set(page.data.map((event) => event.id));
      source = new EventSource(`/api/events/stream${queryOf({ event: filters.event, pass_id: filters.pass_id, campaign_id: filters.campaign_id, cursor: page.stream_cursor })}`);
      source.onopen = () => setStatus('live');
      source.onerror = () => setStatus('reconnecting');
      source.addEventListener('event', (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as EventSummary;
        if (!inRange(event, filters) || listed.has(event.id)) return;
        setRows((previous) => [event, ...previous].slice(0, MAX_ROWS));
        setFresh((previous) => new Set(previous).add(event.id));
      });
    })().catch((failure: unknown) => {
      if (!live) return;
      setStatus('failed');
      setError(failure instanceof Error ? failure.message : String(failure));
    });
    return () => {
      live = false;
      source?.close();
    };
  }, [key]);

  const older = async (): Promise<void> => {
    if (cursor === null) return;
    const page = await getJson<EventPage<EventSummary>>(`/api/events/newest${queryOf({ ...filters, limit: String(PAGE), cursor })}`);
    setRows((previous) => {
      const shown = new Set(previous.map((event) => event.id));
      return [...previous, ...page.data.filter((event) => !shown.has(event.id))];
    });
    setCursor(page.next_cursor);
  };
  const apply = (form: HTMLFormElement): void => {
    const data = new FormData(form);
    const values: Record<string, string> = {};
    for (const name of FILTERS) values[name] = String(data.get(name) ?? '').trim();
    location.hash = href(['events'], queryOf(values));
  };

  return (
    <section>
      <h1>
        Events <span class={`badge ${status}`} data-testid="stream-status">{status}</span>
      </h1>
      <form
        class="filters"
        key={key}
        onSubmit={(event) => {
          event.preventDefault();
          apply(event.currentTarget);
        }}
      >
        <input name="event" placeholder="event name" value={filters.event ?? ''} />
        <input name="pass_id" placeholder="pass id" value={filters.pass_id ?? ''} />
        <input name="campaign_id" placeholder="campaign id" value={filters.campaign_id ?? ''} />
        <input name="since" placeholder="since (2026-03-01T09:00Z)" value={filters.since ?? ''} />
        <input name="until" placeholder="until" value={filters.until ?? ''} />
        <button type="submit">Filter</button>
        {key !== '' && <a href={href(['events'])}>clear</a>}
      </form>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>event</th>
            <th>pass</th>
            <th>event_at (UTC)</th>
            <th>received (UTC)</th>
          </tr>
        </thead>
        <tbody data-testid="events">
          {rows.map((event) => (
            <tr key={event.id} class={fresh.has(event.id) ? 'fresh' : ''} data-id={event.id}>
              <td>
                <a href={href(['events', event.id])}>{event.id}</a>
              </td>
              <td>
                <a href={href(['events', event.id])}>{event.event}</a>
              </td>
              <td title={event.pass_id}>
                <a href={href(['passes', event.pass_id])}>{short(event.pass_id)}</a>
              </td>
              <td>{when(event.event_at)}</td>
              <td>{when(event.received_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {status !== 'loading' && rows.length === 0 && <p class="muted">No events{key === '' ? ' yet' : ' match these filters'}.</p>}
      {cursor !== null && (
        <button type="button" onClick={() => void older()}>
          Older events
        </button>
      )}
    </section>
  );
}
