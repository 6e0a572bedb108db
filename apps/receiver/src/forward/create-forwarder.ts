import { randomUUID } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { PassworksWebhookError } from '@passworks-webhooks/core';
import type { Storage } from '../storage/storage.js';
import { retryAfterMs, retryDelayMs } from '../common/backoff.js';
import { redactedUrl } from '../common/redacted-url.js';
import type { AttemptOutcome, FinishedAttempt, OutboxItem } from '../storage/forward-storage.js';
import { sendAttempt } from './send-attempt.js';
import { DEFAULTS } from '../common/defaults.js';

/** How long a failing event may stay queued before it is dead-lettered, by default (24 h); retention keeps a pass with an event queued that recently. */
export const DEFAULT_FORWARD_MAX_AGE_MS = DEFAULTS.forwardMaxAgeMs;

/** How the receiver forwards what it stores. */
export interface ForwardOptions {
  /** Where each stored event is POSTed (the user's app's webhook route). */
  readonly url: string;
  /** Sent as `Authorization` (the key the user's `passworksWebhooks()` expects). Env only; never logged or stored. */
  readonly apiKey: string;
  /** Attempts in flight at once (one per pass at most). @default 8 */
  readonly concurrency?: number;
  /** How long one attempt may take. @default 10_000 */
  readonly timeoutMs?: number;
  /** Attempts before an event is dead-lettered (`failed`). @default 12 */
  readonly maxAttempts?: number;
  /** Age since queued after which a failing event is dead-lettered. @default 86_400_000 (24 h) */
  readonly maxAgeMs?: number;
  /** The delay before the second attempt, doubled after each failure (with jitter). @default 1_000 */
  readonly backoffBaseMs?: number;
  /** The longest computed delay between attempts. @default 300_000 */
  readonly backoffMaxMs?: number;
  /** The longest `Retry-After` honoured. @default 600_000 */
  readonly retryAfterMaxMs?: number;
  /** Events a replay puts back on the queue per second. @default 50 */
  readonly replayRatePerSecond?: number;
  /** How often the outbox is polled when idle. @default 250 */
  readonly pollMs?: number;
}

/** What a forwarder reports to the metrics. */
export interface ForwarderHooks {
  attempt?(outcome: AttemptOutcome, status: number | null, durationMs: number): void;
  deadLetter?(): void;
}

/** Options of {@link createForwarder}. */
export interface ForwarderOptions extends ForwardOptions {
  readonly storage: Storage;
  readonly logger: PinoLogger;
  readonly hooks?: ForwarderHooks;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** A running forwarder. */
export interface Forwarder {
  /** Attempts in flight. */
  readonly inFlight: number;
  /** Looks at the outbox now (after a commit) instead of at the next poll. */
  wake(): void;
  /** Looks for a running replay now (one was just created) instead of at the next poll. */
  lookForReplays(): void;
  /** Stops claiming, and waits up to `graceMs` for attempts in flight (their leases expire otherwise). */
  stop(graceMs: number): Promise<void>;
}

const positive = (name: string, value: number, min = 1): number => {
  if (!Number.isSafeInteger(value) || value < min)
    throw new PassworksWebhookError('invalid_config', `forward.${name}: expected an integer >= ${min}, got ${String(value)}`);
  return value;
};

/**
 * What is wrong with a forward URL, or undefined: it must be http(s) with a
 * host, and carry no user or password (fetch refuses such a URL, so every
 * attempt would fail; the key the app checks is `apiKey`). The value is
 * shown redacted.
 */
export function forwardUrlProblem(text: string): string | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const shown = JSON.stringify(redactedUrl(text));
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') return `expected an http(s) URL, got ${shown}`;
  if (url.username !== '' || url.password !== '')
    return `expected a URL without a user or password (a request cannot carry them; the key your app checks goes in the API key), got ${shown}`;
  return undefined;
}

/** Checks the forwarding options, naming the bad one; the key's value is never shown. */
export function checkForwardOptions(options: ForwardOptions): void {
  const problem = forwardUrlProblem(String(options.url));
  if (problem !== undefined) throw new PassworksWebhookError('invalid_config', `forward.url: ${problem}`);
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0)
    throw new PassworksWebhookError('invalid_config', 'forward.apiKey: expected the non-empty key the downstream app expects (FORWARD_API_KEY)');
  for (const name of [
    'concurrency',
    'timeoutMs',
    'maxAttempts',
    'maxAgeMs',
    'backoffBaseMs',
    'backoffMaxMs',
    'retryAfterMaxMs',
    'replayRatePerSecond',
    'pollMs',
  ] as const) {
    const value = options[name];
    if (value !== undefined) positive(name, value);
  }
}

/**
 * The forwarder: claims due outbox events (one per pass at a time, in
 * `event_at` order; passes in parallel up to `concurrency`), sends each with
 * {@link sendAttempt}, records the attempt, and retries with backoff until
 * 2xx, `maxAttempts` or `maxAgeMs` (then the event is dead-lettered). It also
 * paces running replays. Claims are leased, so a crashed forwarder's events
 * are picked up again once its lease ends (at-least-once).
 * @example const forwarder = createForwarder({ storage, logger, url: 'http://127.0.0.1:4000/webhooks', apiKey });
 */
export function createForwarder({
  storage,
  logger,
  hooks = {},
  now = Date.now,
  random = Math.random,
  url,
  apiKey,
  concurrency = DEFAULTS.forwardConcurrency,
  timeoutMs = DEFAULTS.forwardTimeoutMs,
  maxAttempts = DEFAULTS.forwardMaxAttempts,
  maxAgeMs = DEFAULT_FORWARD_MAX_AGE_MS,
  backoffBaseMs = DEFAULTS.forwardBackoffBaseMs,
  backoffMaxMs = DEFAULTS.forwardBackoffMaxMs,
  retryAfterMaxMs = DEFAULTS.forwardRetryAfterMaxMs,
  replayRatePerSecond = DEFAULTS.replayRatePerSecond,
  pollMs = 250,
}: ForwarderOptions): Forwarder {
  checkForwardOptions({
    url,
    apiKey,
    concurrency,
    timeoutMs,
    maxAttempts,
    maxAgeMs,
    backoffBaseMs,
    backoffMaxMs,
    retryAfterMaxMs,
    replayRatePerSecond,
    pollMs,
  });
  const token = randomUUID();
  // A lease outlives the attempt's timeout with room for recording it; a dead process's events come back after it.
  const leaseMs = timeoutMs * 2 + 5_000;
  const target = redactedUrl(url);
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let claiming = false;
  let again = false;
  let passing: Promise<void> = Promise.resolve();
  let replayCredit = 0;
  let lastReplayAt = now();
  // Replays are looked for at start, at each poll and when one is created; a commit's wake only
  // moves a replay known to be running, so a forwarder with no replay writes nothing for it.
  let replaying = false;
  let lookForReplay = true;

  const deliver = async (item: OutboxItem): Promise<void> => {
    let finished: FinishedAttempt;
    if (item.raw === undefined) {
      // Pruned by retention after it was queued: nothing left to send.
      finished = {
        eventId: item.eventId,
        token,
        attempt: item.attempt,
        record: { startedAt: now(), durationMs: 0, status: null, outcome: 'gone', excerpt: 'the event was pruned' },
        next: { state: 'failed' },
      };
    } else {
      const { record, retryAfter } = await sendAttempt({ url, apiKey, eventId: item.eventId, raw: item.raw, timeoutMs, now });
      const at = now();
      const exhausted = item.attempt >= maxAttempts || at - item.queuedAt >= maxAgeMs;
      const next: FinishedAttempt['next'] =
        record.outcome === 'succeeded'
          ? { state: 'delivered' }
          : exhausted
            ? { state: 'failed' }
            : {
                state: 'pending',
                retryAt: at + retryDelayMs(item.attempt, retryAfterMs(retryAfter, at), { baseMs: backoffBaseMs, maxMs: backoffMaxMs, retryAfterMaxMs }, random),
              };
      finished = { eventId: item.eventId, token, attempt: item.attempt, record, next };
    }
    hooks.attempt?.(finished.record.outcome, finished.record.status, finished.record.durationMs);
    if (finished.next.state === 'failed') {
      hooks.deadLetter?.();
      logger.warn(
        { event_id: item.eventId, attempts: item.attempt, status: finished.record.status, outcome: finished.record.outcome, url: target },
        'forwarding failed for good: event dead-lettered',
      );
    } else if (finished.next.state === 'pending') {
      logger.info(
        {
          event_id: item.eventId,
          attempt: item.attempt,
          status: finished.record.status,
          outcome: finished.record.outcome,
          retry_at: new Date(finished.next.retryAt).toISOString(),
        },
        'forwarding attempt failed: retrying',
      );
    }
    await storage.finishAttempt(finished);
  };

  const track = (item: OutboxItem): void => {
    const running = deliver(item)
      .catch((error: unknown) => {
        // The attempt was made or not; its lease ends and it is tried again (at-least-once).
        logger.error({ event_id: item.eventId, err: error instanceof Error ? error.message : String(error) }, 'a forwarding attempt could not be recorded');
      })
      .finally(() => {
        inFlight.delete(running);
        wake();
      });
    inFlight.add(running);
  };

  const pass = async (): Promise<void> => {
    const at = now();
    replayCredit = Math.min(replayRatePerSecond, replayCredit + ((at - lastReplayAt) / 1_000) * replayRatePerSecond);
    lastReplayAt = at;
    const due = Math.floor(replayCredit);
    if (due > 0 && (replaying || lookForReplay)) {
      lookForReplay = false;
      const queued = await storage.queueReplayed(at, due);
      replayCredit -= queued;
      // Fewer than due: the replay is all queued (or its next events are still pending); the next poll looks again.
      replaying = queued === due;
    }
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    const { items, deadLettered } = await storage.claimOutbox({ now: now(), limit: free, leaseMs, token, maxAttempts, maxAgeMs });
    for (const { eventId, attempts, reason } of deadLettered) {
      // Dead-lettered by the claim: its last attempt was leased but never recorded (or no attempt was due before its age ran out).
      hooks.deadLetter?.();
      logger.warn({ event_id: eventId, attempts, reason, url: target }, 'forwarding failed for good: event dead-lettered');
    }
    for (const item of items) track(item);
  };

  function wake(): void {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    passing = pass()
      .catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'the outbox could not be read'))
      .finally(() => {
        claiming = false;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  function lookForReplays(): void {
    lookForReplay = true;
    wake();
  }

  const timer = setInterval(lookForReplays, pollMs);
  timer.unref();
  wake();
  logger.info({ url: target, concurrency, timeout_ms: timeoutMs, max_attempts: maxAttempts }, 'forwarding stored events');

  return {
    get inFlight() {
      return inFlight.size;
    },
    wake,
    lookForReplays,
    async stop(graceMs) {
      stopped = true;
      clearInterval(timer);
      let timeout: NodeJS.Timeout | undefined;
      const settled = async (): Promise<void> => {
        await passing; // a claim under way tracks its events first
        await Promise.allSettled([...inFlight]);
      };
      await Promise.race([settled(), new Promise((resolve) => (timeout = setTimeout(resolve, graceMs)))]);
      clearTimeout(timeout);
    },
  };
}
