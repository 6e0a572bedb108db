import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { getJson, getText, type EventDetail } from '../api.ts';
import { when } from '../format.ts';
import { href } from '../router.ts';
import { JsonTree } from '../json-tree.tsx';
import { DeliveriesSection } from './deliveries.tsx';
import { useLoad } from './use-load.ts';

/** A shell-safe single-quoted string. */
const quoted = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** Replays the exact bytes with curl; the key is a variable the user sets, never the key itself. */
function curlOf(raw: string): string {
  return [
    `curl -X POST ${quoted(`${location.origin}/webhooks/passworks`)} \\`,
    `  -H 'content-type: application/json' \\`,
    `  -H "authorization: $PASSWORKS_API_KEY" \\`,
    `  --data-binary ${quoted(raw)}`,
  ].join('\n');
}

/** The payload, as a foldable indented tree or the exact bytes received (one click apart), each copyable. */
function Payload({ payload, raw }: { payload: unknown; raw: string }) {
  const [shown, setShown] = useState<'tree' | 'raw'>('tree');
  const formatted = JSON.stringify(payload, null, 2);
  return (
    <section data-testid="payload">
      <h2>Payload</h2>
      <p class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={shown === 'tree'} onClick={() => setShown('tree')}>
          Formatted
        </button>
        <button type="button" role="tab" aria-selected={shown === 'raw'} onClick={() => setShown('raw')}>
          Raw bytes ({new TextEncoder().encode(raw).length} bytes, exactly as received)
        </button>{' '}
        <button type="button" class="link" onClick={() => void navigator.clipboard?.writeText(shown === 'tree' ? formatted : raw)}>
          {shown === 'tree' ? 'Copy JSON' : 'Copy raw'}
        </button>
      </p>
      {shown === 'tree' ? <JsonTree value={payload} /> : <pre data-testid="raw">{raw}</pre>}
    </section>
  );
}

/** One event: parsed fields, the exact raw bytes, its dedupe key, "copy as curl", and its forwarding with a Replay button. */
export function EventPage({ id }: { id: string }) {
  const loaded = useLoad(id, async () => {
    const [detail, raw] = await Promise.all([
      getJson<{ data: EventDetail }>(`/api/events/${encodeURIComponent(id)}`),
      getText(`/api/events/${encodeURIComponent(id)}/raw`),
    ]);
    return { event: detail.data, raw };
  });
  if (loaded.state === 'loading') return <p class="muted">Loading event {id}…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  const { event, raw } = loaded.value;
  const curl = curlOf(raw);
  const fields: Array<[string, string]> = [
    ['event', event.event],
    ['pass', event.pass_id],
    ['event_at', event.event_at],
    ['received', event.received_at],
    ['campaign', event.campaign_id],
    ['distribution', event.distribution_id],
    ['serial number', event.serial_number],
    ['registration', event.registration_id ?? '—'],
    ['device', [event.device_os, event.wallet].filter((part) => part !== null).join(' · ') || '—'],
    ['redeemed count', String(event.redeemed_count)],
    ['voided', event.voided ? 'yes' : 'no'],
    ['dedupe key', event.idempotency_key],
    ['duplicates seen', `${event.duplicates.toLocaleString('en')} (later deliveries of this event answered 200 with "duplicate": true, not stored again)`],
  ];
  return (
    <section>
      <h1>
        Event {event.id}: {event.event}
      </h1>
      <p>
        <a href={href(['passes', event.pass_id])}>Pass {event.pass_id}</a> · received {when(event.received_at)} UTC
      </p>
      <dl data-testid="fields">
        {fields.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <Payload payload={event.payload} raw={raw} />
      <h2>Replay with curl</h2>
      <pre data-testid="curl">{curl}</pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(curl)}>
        Copy as curl
      </button>
      <DeliveriesSection eventId={event.id} />
    </section>
  );
}
