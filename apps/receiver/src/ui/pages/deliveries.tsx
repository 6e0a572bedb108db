import { useEffect, useState } from 'preact/hooks';
import { getJson, postJson, type DeliveryAttempt, type Forwarding } from '../api.ts';
import { when } from '../format.ts';
import { ReplayStatus, forwardingFailure, replayFinished, useStartReplay } from './replay-progress.tsx';

interface Deliveries {
  readonly data: DeliveryAttempt[];
  readonly forwarding: Forwarding | null;
}

const POLL_MS = 1_000;

/**
 * The outbox state in words, agreeing with the attempts table: every attempt
 * listed is counted; those since the event was last queued again (by a
 * replay or a retry) are named apart.
 */
function forwardingText(forwarding: Forwarding | null, attempts: readonly DeliveryAttempt[]): string {
  if (forwarding === null) return 'never queued (no FORWARD_URL when it arrived)';
  const plural = (n: number): string => `${n} attempt${n === 1 ? '' : 's'}`;
  const total = Math.max(attempts.length, forwarding.attempts);
  const since =
    forwarding.attempts < total
      ? ` (${forwarding.attempts} since queued again${forwarding.replay_id === null ? '' : ` by replay ${forwarding.replay_id}`})`
      : '';
  return `${forwarding.state}, ${plural(total)}${since}`;
}

/**
 * An event's forwarding: its outbox state and every attempt (from
 * `/api/events/:id/deliveries`); "Retry now" (`POST /api/events/:id/retry`:
 * a pending event is attempted at once, any other queued again) and Replay
 * (`POST /api/replays`), both same-origin with the session, following the
 * state until it settles.
 */
export function DeliveriesSection({ eventId }: { eventId: number }) {
  const [deliveries, setDeliveries] = useState<Deliveries | undefined>();
  const [retrying, setRetrying] = useState(false);
  const load = (): Promise<void> =>
    getJson<Deliveries>(`/api/events/${eventId}/deliveries`).then(setDeliveries, (error: unknown) =>
      setMessage(error instanceof Error ? error.message : String(error)),
    );
  useEffect(() => {
    void load();
  }, [eventId]);
  const { replay, running, start, message, setMessage } = useStartReplay(() => void load());
  // Once it is done: the attempts as they ended.
  useEffect(() => {
    if (replay !== undefined && replayFinished(replay)) void load();
  }, [replay?.state]);
  // After "Retry now": the attempts, once a second, until the event is no longer pending.
  useEffect(() => {
    if (!retrying) return;
    if (deliveries?.forwarding?.state !== 'pending') return setRetrying(false);
    const timer = setTimeout(() => void load(), POLL_MS);
    return () => clearTimeout(timer);
  }, [retrying, deliveries]);
  const retryNow = async (): Promise<void> => {
    setMessage(undefined);
    try {
      const { data } = await postJson<{ data: Forwarding }>(`/api/events/${eventId}/retry`, {});
      setDeliveries((previous) => (previous === undefined ? previous : { ...previous, forwarding: data }));
      setRetrying(true);
    } catch (error) {
      setMessage(forwardingFailure(error, 'Retry'));
    }
  };
  return (
    <section data-testid="deliveries">
      <h2>Forwarding</h2>
      <p>
        <span data-testid="forwarding">{deliveries === undefined ? 'Loading…' : forwardingText(deliveries.forwarding, deliveries.data)}</span>{' '}
        <button type="button" onClick={() => void retryNow()} disabled={retrying}>
          Retry now
        </button>{' '}
        <button type="button" onClick={() => void start({ event_id: eventId })} disabled={running}>
          Replay
        </button>
      </p>
      <ReplayStatus replay={replay} message={message} />
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
