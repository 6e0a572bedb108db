import { useEffect, useState } from 'preact/hooks';
import { getJson, type Replay } from '../api.ts';

const POLL_MS = 1_000;

/** Whether a replay has nothing left to do: done (every event it queued settled) or cancelled. */
export const replayFinished = (replay: Replay): boolean => replay.state === 'done' || replay.state === 'cancelled';

/**
 * Follows a replay (`GET /api/replays/:id` once a second) until it is done
 * or cancelled; `onProgress` runs at each read (to reload what it changes).
 */
export function useReplay(started: Replay | undefined, onProgress?: () => void): Replay | undefined {
  const [replay, setReplay] = useState<Replay | undefined>(started);
  useEffect(() => setReplay(started), [started]);
  useEffect(() => {
    if (replay === undefined || replayFinished(replay)) return;
    const timer = setTimeout(() => {
      getJson<{ data: Replay }>(`/api/replays/${replay.id}`).then(
        (next) => setReplay(next.data),
        () => undefined,
      );
      onProgress?.();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [replay]);
  return replay;
}

/** A replay's progress line. */
export function ReplayProgress({ replay }: { replay: Replay }) {
  return (
    <p data-testid="replay" role="status">
      Replay {replay.id}: <strong data-testid="replay-state">{replay.state}</strong>, {replay.sent} of {replay.matched} queued, {replay.succeeded} delivered,{' '}
      {replay.failed} failed
    </p>
  );
}
