import { EventSource } from 'eventsource';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryAfterMs } from '../delivery/backoff.js';
import { eventJsonLine, eventLine, type EventOutcome } from './event-line.js';
import { writeListenState } from './listen-state.js';
import { oneAtATime } from './one-at-a-time.js';
import { refusedConnection } from './refused-connection.js';
import { RelayProgress } from './relay-progress.js';

/** Options of {@link relayEvents}. */
export interface RelayOptions {
  /** The receiver's base URL. */
  readonly from: string;
  readonly adminToken: string;
  /** Where to POST each event's raw bytes; undefined: only print (a live tail). */
  readonly forwardTo?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly stateFile?: string | undefined;
  /** Event names to keep (empty: all). */
  readonly events: readonly string[];
  readonly passId?: string | undefined;
  readonly campaignId?: string | undefined;
  /** Start after this id (0: every stored event); undefined: the state file's place, else now. */
  readonly afterId?: number | undefined;
  readonly doneAfter?: readonly number[] | undefined;
  readonly json: boolean;
  readonly write: (text: string) => void;
  /** Status lines (reconnect countdowns). */
  readonly note: (text: string) => void;
  /** Stops the relay: it saves the state and resolves. */
  readonly signal: AbortSignal;
  /** The longest wait between two tries of a failing local app or an unreachable receiver. @default 10_000 */
  readonly maxBackoffMs?: number;
  /**
   * How long the local app may take to answer one POST (`--timeout-ms`): past it the try fails (`timeout`) and is
   * retried with backoff, so a hung app (stopped at a breakpoint) holds the send slot this long at most. @default 10_000
   */
  readonly forwardTimeoutMs?: number;
}

/** A summary message of the receiver's stream. */
interface StreamedSummary {
  readonly id: number;
  readonly event: string;
  readonly pass_id: string;
}

/** A failure that ends `listen` (exit 2); its message never carries a token or key. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
}

/** The code of a failure (`ECONNREFUSED`, `ENOENT`...: its cause's for a fetch), else its name. */
const reasonOf = (error: unknown): string => {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
};

/**
 * Follows a receiver's live stream (`/api/events/stream`, resumed by id) and
 * relays each event's exact stored bytes (`/api/events/:id/raw`) to a local
 * URL. Events of one pass go one at a time in stream order (the receiver's
 * per-pass order); other passes flow meanwhile. A failing local app is
 * retried with backoff (honouring `Retry-After`) without blocking other
 * passes. Resolves when `signal` aborts.
 *
 * At most one event is repeated after a kill (SIGKILL, a crash, power loss).
 * The state file holds `lastId` (every id the stream gave up to it is
 * relayed) and `doneAfter` (the ids relayed past it, while an earlier one of
 * another pass still waits); a restart resumes the stream after `lastId` and
 * skips `doneAfter`, so it re-sends exactly the ids not recorded. An event is
 * recorded (the file written to a temporary name and renamed over it, so a
 * kill leaves the old or the new file, never half of one) after its 2xx and
 * before the next POST may start: every POST goes through one slot
 * ({@link oneAtATime}), held from the request until its record is on disk.
 * So at any instant at most one event is sent and not recorded: the one
 * holding the slot, the only one a restart can repeat. Passes still flow
 * concurrently where it costs no repeat: raw bytes are read in parallel, and
 * a pass waiting out its backoff or `Retry-After` holds no slot, so the other
 * passes' events go meanwhile.
 */
export async function relayEvents(options: RelayOptions): Promise<void> {
  const { from, adminToken, maxBackoffMs = 10_000, forwardTimeoutMs = 10_000 } = options;
  // Aborted by the caller (Ctrl-C) or by a fatal error: every retry loop ends.
  const controller = new AbortController();
  const { signal } = controller;
  const authorization = `Bearer ${adminToken}`;
  const progress = new RelayProgress(options.afterId, options.doneAfter);
  const sending = oneAtATime();
  const chains = new Map<string, Promise<void>>();
  let lastStreamedId = options.afterId;
  let saving = Promise.resolve();
  let fatal: RelayError | undefined;
  const print = (outcome: EventOutcome): void => options.write(options.json ? eventJsonLine(outcome) : eventLine(outcome));
  const save = (): Promise<void> => {
    const { stateFile } = options;
    const { lastId } = progress;
    // Started "now" and no event streamed yet: no place to keep.
    if (stateFile === undefined || lastId === undefined) return saving;
    const doneAfter = progress.doneAfter;
    // An unwritable state file ends the run (exit 2): relaying on without keeping the place would repeat events at the next start.
    saving = saving
      .then(() => writeListenState(stateFile, { lastId, doneAfter }))
      .catch((error: unknown) => {
        fatal ??= new RelayError(`cannot write --state-file ${stateFile} (${reasonOf(error)})`);
        stop();
      });
    return saving;
  };
  const pause = (ms: number): Promise<void> => sleep(ms, undefined, { signal }).catch(() => undefined);

  const readRaw = async (id: number): Promise<Uint8Array> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(new URL(`api/events/${id}/raw`, from), { headers: { authorization }, signal });
        if (response.ok) return new Uint8Array(await response.arrayBuffer());
        if (response.status === 401 || response.status === 403) throw new RelayError(`the receiver refused the admin token (${response.status})`);
        options.note(`event #${id}: the receiver answered ${response.status} for its raw bytes; retrying\n`);
      } catch (error) {
        if (error instanceof RelayError || signal.aborted) throw error;
        options.note(`event #${id}: receiver unreachable (${reasonOf(error)}); retrying\n`);
      }
      await pause(Math.min(maxBackoffMs, 500 * 2 ** attempt));
      if (signal.aborted) throw new Error('stopped');
    }
  };

  /**
   * One POST of an event, in the send slot: on a 2xx it records the event
   * (state file written) before the slot is released and resolves undefined;
   * otherwise it resolves the milliseconds to wait before the next try. The
   * stop does not cut it short: Ctrl-C waits for its answer and records it,
   * so a clean stop repeats nothing (a second Ctrl-C ends the process).
   */
  const postOnce = async (summary: StreamedSummary, body: Uint8Array, target: string, attempt: number): Promise<number | undefined> => {
    const started = performance.now();
    const backoffMs = Math.min(maxBackoffMs, 500 * 2 ** attempt);
    const base = { id: summary.id, event: summary.event, passId: summary.pass_id };
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { authorization: options.apiKey ?? '', 'content-type': 'application/json; charset=utf-8', 'x-passworks-event-id': String(summary.id) },
        body,
        signal: AbortSignal.timeout(forwardTimeoutMs),
      });
      await response.arrayBuffer();
      const ms = Math.round(performance.now() - started);
      if (response.ok) {
        print({ ...base, status: response.status, ms, at: new Date() });
        progress.finish(summary.id);
        await save();
        return undefined;
      }
      // A missing, zero or unreadable Retry-After: our own backoff (never a tight loop).
      const hinted = retryAfterMs(response.headers.get('retry-after') ?? undefined);
      const waitMs = hinted > 0 ? Math.min(maxBackoffMs * 6, hinted) : backoffMs;
      print({ ...base, status: response.status, ms, retryInMs: waitMs, at: new Date() });
      return waitMs;
    } catch (error) {
      if (signal.aborted) return 0;
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : reasonOf(error);
      print({ ...base, error: reason, retryInMs: backoffMs, at: new Date() });
      return backoffMs;
    }
  };

  /** Tries an event until a 2xx (recorded) or the stop; waits between tries outside the send slot. */
  const forward = async (summary: StreamedSummary, body: Uint8Array, target: string): Promise<void> => {
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      const waitMs = await sending(() => (signal.aborted ? Promise.resolve(0) : postOnce(summary, body, target, attempt)));
      if (waitMs === undefined) return;
      await pause(waitMs);
    }
  };

  const relayOne = async (summary: StreamedSummary): Promise<void> => {
    if (signal.aborted) return;
    try {
      if (options.forwardTo !== undefined) return await forward(summary, await readRaw(summary.id), options.forwardTo);
      print({ id: summary.id, event: summary.event, passId: summary.pass_id, at: new Date() });
      progress.finish(summary.id);
      await save();
    } catch (error) {
      if (error instanceof RelayError) {
        fatal = error;
        stop();
      }
    }
  };

  const wanted = (summary: StreamedSummary): boolean => options.events.length === 0 || options.events.includes(summary.event);

  const onMessage = (data: string): void => {
    const summary = JSON.parse(data) as StreamedSummary;
    lastStreamedId = summary.id;
    if (progress.has(summary.id)) {
      progress.seen(summary.id);
      progress.finish(summary.id);
      return;
    }
    progress.seen(summary.id);
    if (!wanted(summary)) {
      progress.finish(summary.id);
      void save();
      return;
    }
    const previous = chains.get(summary.pass_id) ?? Promise.resolve();
    const next = previous.then(() => relayOne(summary));
    chains.set(summary.pass_id, next);
    void next.then(() => {
      if (chains.get(summary.pass_id) === next) chains.delete(summary.pass_id);
    });
  };

  const streamUrl = (): URL => {
    const url = new URL('api/events/stream', from);
    if (options.events.length === 1) url.searchParams.set('event', options.events[0] as string);
    if (options.passId !== undefined) url.searchParams.set('pass_id', options.passId);
    if (options.campaignId !== undefined) url.searchParams.set('campaign_id', options.campaignId);
    if (lastStreamedId !== undefined) url.searchParams.set('after', String(lastStreamedId));
    else if (startCursor !== undefined) url.searchParams.set('cursor', startCursor);
    return url;
  };
  /**
   * "Now" as a stream position (the list's `stream_cursor`): a reconnect
   * before the first event then resumes there instead of at a later "now".
   * Unreachable: undefined (the stream starts at its own now).
   */
  const streamCursorNow = async (): Promise<string | undefined> => {
    try {
      const response = await fetch(new URL('api/events?limit=1', from), { headers: { authorization } });
      if (response.status === 401 || response.status === 403)
        throw new RelayError(`the receiver refused the admin token (${response.status}): check --admin-token or ADMIN_TOKEN`);
      if (!response.ok) return undefined;
      return ((await response.json()) as { stream_cursor?: string }).stream_cursor;
    } catch (error) {
      if (error instanceof RelayError) throw error;
      return undefined;
    }
  };
  const startCursor = options.afterId === undefined ? await streamCursorNow() : undefined;
  if (options.forwardTo !== undefined) {
    // Refused at the start: a local app not started or a wrong port, a mistake to report, not to retry (once it answered, an outage is retried).
    const refused = await refusedConnection(options.forwardTo);
    const where = new URL(options.forwardTo);
    if (refused !== undefined)
      throw new RelayError(
        `--forward-to ${where.origin}${where.pathname}: nothing accepts connections there (${refused}): start the local app, or check the host and port`,
      );
  }

  let source: EventSource | undefined;
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  function stop(): void {
    controller.abort();
    source?.close();
    stopped();
  }
  if (options.signal.aborted) stop();
  options.signal.addEventListener('abort', stop, { once: true });

  let failures = 0;
  const connect = (): void => {
    if (signal.aborted || fatal !== undefined) return;
    const es = new EventSource(streamUrl(), {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization } }),
    });
    source = es;
    es.addEventListener('open', () => {
      options.note(failures > 0 ? 'connected to the receiver again\n' : 'connected to the receiver\n');
      failures = 0;
    });
    es.addEventListener('event', (message) => onMessage(message.data));
    es.addEventListener('error', (error) => {
      es.close();
      if (signal.aborted) return;
      if (error.code === 401 || error.code === 403) {
        fatal = new RelayError(`the receiver refused the admin token (${error.code}): check --admin-token or ADMIN_TOKEN`);
        stop();
        return;
      }
      if (error.code === 400) {
        fatal = new RelayError('the receiver refused the stream filters (400): --pass-id and --campaign-id are UUIDs');
        stop();
        return;
      }
      if (error.code === 404) {
        fatal = new RelayError(`no event stream at ${new URL('api/events/stream', from).origin}/api/events/stream (404): is --from a passworks receiver?`);
        stop();
        return;
      }
      failures += 1;
      const waitS = Math.min(maxBackoffMs, 1000 * 2 ** (failures - 1)) / 1000;
      void countdown(Math.ceil(waitS), error.code === undefined ? 'unreachable' : `answered ${error.code}`).then(connect);
    });
  };
  const countdown = async (seconds: number, why: string): Promise<void> => {
    for (let left = seconds; left > 0 && !signal.aborted; left -= 1) {
      options.note(`receiver ${why}: reconnecting in ${left} s\n`);
      await pause(1000);
    }
  };

  connect();
  await done;
  await Promise.allSettled([...chains.values()]);
  await save();
  if (fatal !== undefined) throw fatal;
}
