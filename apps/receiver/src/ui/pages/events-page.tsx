import { useEffect, useState } from 'preact/hooks';
import { getJson, queryOf, type EventPage, type EventSummary } from '../api.ts';
import { short, when } from '../format.ts';
import { href } from '../router.ts';
import { ReplayStatus, useStartReplay } from './replay-progress.tsx';

const FILTERS = ['event', 'pass_id', 'campaign_id', 'since', 'until', 'forwarding'] as const;
/** The forwarding states `?forwarding=` selects. */
const FORWARDING = ['pending', 'delivered', 'failed', 'cancelled', 'none'] as const;
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

/**
 * "Replay these": counts what the page's filters match (`/api/events/count`),
 * asks to confirm that number, then replays them (`POST /api/replays` with
 * the filters and `status: 'all'`) and follows the replay until it is done.
 */
function ReplayThese({ filters }: { filters: Filters }) {
  const [matching, setMatching] = useState<number | undefined>();
  const { replay, running, start, message, setMessage } = useStartReplay();
  const ask = async (): Promise<void> => {
    setMessage(undefined);
    try {
      setMatching((await getJson<{ data: { count: number } }>(`/api/events/count${queryOf(filters)}`)).data.count);
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  const confirm = (): Promise<void> => {
    setMatching(undefined);
    return start(filters);
  };
  return (
    <div class="replay-these">
      {matching === undefined ? (
        <button type="button" onClick={() => void ask()} disabled={running}>
          Replay these
        </button>
      ) : (
        <p role="dialog" aria-label="Confirm replay" data-testid="replay-confirm">
          Send <strong data-testid="replay-count">{matching.toLocaleString('en')}</strong> matching event{matching === 1 ? '' : 's'} to FORWARD_URL again?{' '}
          <button type="button" onClick={() => void confirm()} disabled={matching === 0}>
            Replay {matching.toLocaleString('en')}
          </button>{' '}
          <button type="button" class="link" onClick={() => setMatching(undefined)}>
            Cancel
          </button>
        </p>
      )}
      <ReplayStatus replay={replay} message={message} />
    </div>
  );
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
      source = new EventSource(
        `/api/events/stream${queryOf({ event: filters.event, pass_id: filters.pass_id, campaign_id: filters.campaign_id, cursor: page.stream_cursor })}`,
      );
      source.onopen = () => setStatus('live');
      source.onerror = () => setStatus('reconnecting');
      source.addEventListener('event', (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as EventSummary;
        // The stream carries no forwarding state: a list filtered by it shows only what its pages read.
        if (filters.forwarding !== undefined || !inRange(event, filters) || listed.has(event.id)) return;
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
        Events{' '}
        <span class={`badge ${status}`} data-testid="stream-status">
          {status}
        </span>
      </h1>
      <form
        class="filters"
        key={key}
        onSubmit={(event) => {
          event.preventDefault();
          apply(event.currentTarget);
        }}
      >
        <input name="event" placeholder="event name" defaultValue={filters.event ?? ''} />
        <input name="pass_id" placeholder="pass id" defaultValue={filters.pass_id ?? ''} />
        <input name="campaign_id" placeholder="campaign id" defaultValue={filters.campaign_id ?? ''} />
        <input name="since" placeholder="since (2026-03-01T09:00Z)" defaultValue={filters.since ?? ''} />
        <input name="until" placeholder="until" defaultValue={filters.until ?? ''} />
        {/* Uncontrolled (defaults, the form remounting with its key when the filters change): a controlled value was written back
            on every render, so a live event or the stream's status arriving between a choice and Filter undid the choice. */}
        <select name="forwarding" aria-label="forwarding state">
          <option value="">any forwarding</option>
          {FORWARDING.map((state) => (
            <option key={state} value={state} selected={filters.forwarding === state}>
              {state === 'none' ? 'never queued' : state}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
        {key !== '' && <a href={href(['events'])}>clear</a>}
      </form>
      <ReplayThese key={key} filters={filters} />
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
            <th>forwarding</th>
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
              <td class={`state ${event.forwarding?.state ?? 'none'}`} data-testid="forwarding-state">
                {event.forwarding === undefined ? '' : (event.forwarding?.state ?? '—')}
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
