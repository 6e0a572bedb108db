import { Fragment } from 'preact';
import { getJson, type PassDetailView, type TimelineView } from '../api.ts';
import { when } from '../format.ts';
import { href } from '../router.ts';
import { useLoad } from './use-load.ts';

/** An event of the pass's timeline, as the receiver sends it. */
type TimelineEntry = TimelineView;

/** A pass with its timeline, as the receiver sends it. */
type Pass = PassDetailView;

/**
 * The ids of timeline entries that arrived out of order: after an event that
 * comes later in `event_at` order (a later entry with a smaller arrival id).
 */
export function lateArrivals(timeline: readonly TimelineEntry[]): Set<number> {
  const late = new Set<number>();
  let smallestAfter = Infinity;
  for (let i = timeline.length - 1; i >= 0; i--) {
    const entry = timeline[i] as TimelineEntry;
    if (entry.id > smallestAfter) late.add(entry.id);
    smallestAfter = Math.min(smallestAfter, entry.id);
  }
  return late;
}

/** One pass: its current state, registrations by device, and its whole life in `event_at` order. */
export function PassPage({ passId }: { passId: string }) {
  const loaded = useLoad(passId, () => getJson<{ data: Pass }>(`/api/passes/${encodeURIComponent(passId)}`));
  if (loaded.state === 'loading') return <p class="muted">Loading pass…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  const pass = loaded.value.data;
  const late = lateArrivals(pass.timeline);
  const state: Array<[string, string]> = [
    ['campaign', pass.campaign_id],
    ['serial number', pass.serial_number],
    ['created', when(pass.created_at)],
    ['installed devices', String(pass.installed_devices)],
    ['redeemed', `${pass.redeemed_count}${pass.redeemed_at === null ? '' : ` (last ${when(pass.redeemed_at)})`}`],
    ['voided', pass.voided ? 'yes' : 'no'],
    ['last fetch', when(pass.last_fetched_at)],
    ['last event', `${pass.last_event} at ${when(pass.last_event_at)}`],
    ['events', String(pass.event_count)],
  ];
  return (
    <section>
      <h1>Pass {pass.pass_id}</h1>
      <p>
        <a href={href(['events'], `?pass_id=${encodeURIComponent(pass.pass_id)}`)}>Events of this pass, newest first</a>
      </p>
      <dl data-testid="state">
        {state.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <h2>Registrations</h2>
      <table data-testid="registrations">
        <thead>
          <tr>
            <th>registration</th>
            <th>device</th>
            <th>wallet</th>
            <th>installed</th>
            <th>last fetch</th>
            <th>uninstalled</th>
          </tr>
        </thead>
        <tbody>
          {pass.registrations.map((registration) => (
            <tr key={registration.registration_id} class={registration.live ? '' : 'muted'}>
              <td>{registration.registration_id}</td>
              <td>{registration.device_os ?? '—'}</td>
              <td>{registration.wallet ?? '—'}</td>
              <td>{when(registration.installed_at)}</td>
              <td>{when(registration.last_fetched_at)}</td>
              <td>{when(registration.uninstalled_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Timeline (event_at order{pass.timeline_truncated ? `, first ${pass.timeline.length}` : ''})</h2>
      <table data-testid="timeline">
        <thead>
          <tr>
            <th>event_at (UTC)</th>
            <th>event</th>
            <th>registration</th>
            <th>received (UTC)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {pass.timeline.map((entry) => (
            <tr key={entry.id} class={late.has(entry.id) ? 'late' : ''}>
              <td>{when(entry.event_at)}</td>
              <td>
                <a href={href(['events', entry.id])}>{entry.event}</a>
              </td>
              <td>{entry.registration_id ?? ''}</td>
              <td>{when(entry.received_at)}</td>
              <td>{late.has(entry.id) ? <span class="badge late">arrived out of order</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Metadata</h2>
      <pre data-testid="metadata">{JSON.stringify(pass.metadata, null, 2)}</pre>
    </section>
  );
}
