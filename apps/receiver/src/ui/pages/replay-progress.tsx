import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, postJson, type Replay } from '../api.ts';

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

/** A failure's message; a 404 for want of FORWARD_URL (replay, retry) says how to turn forwarding on. */
export const forwardingFailure = (error: unknown, what: string): string =>
  error instanceof ApiError && error.status === 404 && /FORWARD_URL/.test(error.message)
    ? `${what} needs forwarding: start the receiver with FORWARD_URL.`
    : error instanceof Error
      ? error.message
      : String(error);

/**
 * Starting a replay (`POST /api/replays` with `filter` and `status: 'all'`) and
 * following it ({@link useReplay}), with the message of the last failure.
 */
export function useStartReplay(onProgress?: () => void) {
  const [started, setStarted] = useState<Replay | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const replay = useReplay(started, onProgress);
  const start = async (filter: object): Promise<void> => {
    setMessage(undefined);
    try {
      setStarted((await postJson<{ data: Replay }>('/api/replays', { ...filter, status: 'all' })).data);
    } catch (error) {
      setMessage(forwardingFailure(error, 'Replay'));
    }
  };
  return { replay, running: replay !== undefined && !replayFinished(replay), start, message, setMessage };
}

/** The started replay's progress line and the last failure's message, each when there is one. */
export function ReplayStatus({ replay, message }: { replay: Replay | undefined; message: string | undefined }) {
  return (
    <>
      {replay !== undefined && <ReplayProgress replay={replay} />}
      {message !== undefined && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
    </>
  );
}
