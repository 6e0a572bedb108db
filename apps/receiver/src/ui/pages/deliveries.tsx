import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, postJson, type DeliveryAttempt, type Forwarding, type Replay } from '../api.ts';
import { when } from '../format.ts';

interface Deliveries {
  readonly data: DeliveryAttempt[];
  readonly forwarding: Forwarding | null;
}

const POLL_MS = 1_000;

const forwardingText = (forwarding: Forwarding | null): string =>
  forwarding === null ? 'never queued (no FORWARD_URL when it arrived)' : `${forwarding.state}, ${forwarding.attempts} attempt${forwarding.attempts === 1 ? '' : 's'}`;

/** Whether a replay has nothing left to do: cancelled, or every matched event queued and answered. */
const finished = (replay: Replay): boolean => replay.state === 'cancelled' || (replay.state === 'queued' && replay.succeeded + replay.failed >= replay.matched);

/**
 * An event's forwarding: its outbox state and every attempt (from
 * `/api/events/:id/deliveries`), and a Replay button that sends it again
 * (`POST /api/replays`, same-origin with the session), following the
 * replay's progress until it is done.
 */
export function DeliveriesSection({ eventId }: { eventId: number }) {
  const [deliveries, setDeliveries] = useState<Deliveries | undefined>();
  const [replay, setReplay] = useState<Replay | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const load = (): Promise<void> =>
    getJson<Deliveries>(`/api/events/${eventId}/deliveries`).then(setDeliveries, (error: unknown) => setMessage(error instanceof Error ? error.message : String(error)));
  useEffect(() => {
    void load();
  }, [eventId]);
  // While a replay runs: its progress and the attempts, once a second.
  useEffect(() => {
    if (replay === undefined || finished(replay)) return;
    const timer = setTimeout(() => {
      getJson<{ data: Replay }>(`/api/replays/${replay.id}`).then((next) => setReplay(next.data), () => undefined);
      void load();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [replay]);
  const startReplay = async (): Promise<void> => {
    setMessage(undefined);
    try {
      setReplay((await postJson<{ data: Replay }>('/api/replays', { event_id: eventId, status: 'all' })).data);
    } catch (error) {
      setMessage(error instanceof ApiError && error.status === 404 ? 'Replay needs forwarding: start the receiver with FORWARD_URL.' : error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section data-testid="deliveries">
      <h2>Forwarding</h2>
      <p>
        <span data-testid="forwarding">{deliveries === undefined ? 'Loading…' : forwardingText(deliveries.forwarding)}</span>{' '}
        <button type="button" onClick={() => void startReplay()} disabled={replay !== undefined && !finished(replay)}>
          Replay
        </button>
      </p>
      {replay !== undefined && (
        <p data-testid="replay" role="status">
          Replay {replay.id}: {replay.state}, {replay.sent} of {replay.matched} queued, {replay.succeeded} delivered, {replay.failed} failed
        </p>
      )}
      {message !== undefined && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
      {deliveries !== undefined && deliveries.data.length > 0 && (
        <table data-testid="attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>started (UTC)</th>
              <th>ms</th>
              <th>status</th>
              <th>outcome</th>
              <th>replay</th>
              <th>answer</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((attempt) => (
              <tr key={`${attempt.attempt}-${attempt.started_at}`}>
                <td>{attempt.attempt}</td>
                <td>{when(new Date(attempt.started_at).toISOString())}</td>
                <td>{attempt.duration_ms}</td>
                <td>{attempt.status ?? '—'}</td>
                <td>{attempt.outcome}</td>
                <td>{attempt.replay_id ?? ''}</td>
                <td>
                  <code class="preview">{attempt.response_excerpt}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
