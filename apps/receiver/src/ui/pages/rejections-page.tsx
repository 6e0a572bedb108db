import { useEffect, useState } from 'preact/hooks';
import { getJson, queryOf, type Page, type RejectionView } from '../api.ts';
import { when } from '../format.ts';
import { href } from '../router.ts';

/** A rejected delivery as the receiver lists it. */
type Rejection = RejectionView;

/** Why the platform's calls failed: status, code, the message it was told with any issues, the event and a body preview, newest first, filterable by status, code and event. */
export function RejectionsPage({ query }: { query: URLSearchParams }) {
  const filters = { status: query.get('status') ?? undefined, code: query.get('code') ?? undefined, event: query.get('event') ?? undefined };
  const key = queryOf(filters);
  const [rows, setRows] = useState<Rejection[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = async (after: string | null): Promise<void> => {
    try {
      const page = await getJson<Page<Rejection>>(`/api/rejections${queryOf({ ...filters, limit: '50', cursor: after ?? undefined })}`);
      setRows((previous) => (after === null ? page.data : [...previous, ...page.data]));
      setCursor(page.next_cursor);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  useEffect(() => void load(null), [key]);
  return (
    <section>
      <h1>Rejections</h1>
      <form
        class="filters"
        key={key}
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          const field = (name: string): string => String(data.get(name) ?? '').trim();
          location.hash = href(['rejections'], queryOf({ status: field('status'), code: field('code'), event: field('event') }));
        }}
      >
        <input name="status" placeholder="status (401)" defaultValue={filters.status ?? ''} />
        <input name="code" placeholder="code (invalid_event)" defaultValue={filters.code ?? ''} />
        <input name="event" placeholder="event (redeemed)" defaultValue={filters.event ?? ''} />
        <button type="submit">Filter</button>
        {key !== '' && <a href={href(['rejections'])}>clear</a>}
      </form>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table data-testid="rejections">
        <thead>
          <tr>
            <th>received (UTC)</th>
            <th>status</th>
            <th>code</th>
            <th>event</th>
            <th>why</th>
            <th>bytes</th>
            <th>body preview</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((rejection) => (
            <tr key={rejection.id} title={rejection.request_id ?? ''}>
              <td>{when(rejection.received_at)}</td>
              <td>{rejection.status}</td>
              <td>{rejection.code}</td>
              <td>{rejection.event ?? '—'}</td>
              <td data-testid="rejection-why">
                {rejection.message ?? '—'}
                {rejection.issues !== null && rejection.issues.length > 0 && (
                  <ul class="issues">
                    {rejection.issues.map((issue, index) => (
                      <li key={index}>
                        <code>{issue.path}</code> {issue.message}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>{rejection.body_bytes}</td>
              <td>
                <code class="preview">{rejection.body_prefix}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && error === undefined && <p class="muted">No rejections{key === '' ? '' : ' match these filters'}.</p>}
      {cursor !== null && (
        <button type="button" onClick={() => void load(cursor)}>
          Older rejections
        </button>
      )}
    </section>
  );
}
