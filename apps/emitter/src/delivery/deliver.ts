import type { PassEvent } from '@passworks-webhooks/core';
import { createRandom, type Seed } from '../random/create-random.js';
import type { AttemptRecord, DeliveryOutcome, DeliveryRecord } from '../report/delivery-record.js';
import { summarize, type DeliverySummary } from '../report/summarize.js';
import { backoffDelayMs, retryAfterMs } from './backoff.js';
import { isFaultyKind, planDeliveries, type DeliveryGroup, type FaultOptions, type PlannedDelivery } from './plan-deliveries.js';
import { createRateLimiter } from './rate-limiter.js';
import { createSemaphore } from './semaphore.js';
import {
  createHandlerTransport,
  createUrlTransport,
  TransportError,
  type DeliveryHandler,
  type EmitterRequest,
  type EmitterResponse,
  type Transport,
} from './transport.js';

/** Where deliveries go: a URL, or an in-process handler (no port). */
export type DeliveryTarget = string | DeliveryHandler;

/** Live counts, for a progress line. */
export interface DeliveryProgress {
  readonly total: number;
  readonly done: number;
  readonly accepted: number;
  readonly retrying: number;
  readonly failed: number;
  readonly elapsed_ms: number;
}

/** Options of {@link deliver}. */
export interface DeliverOptions {
  /** A webhook URL, or a handler `(request) => Promise<{ status, body }>` such as core's `handler.handle`. */
  readonly target: DeliveryTarget;
  /** The organization's API key, sent raw in `Authorization`. Never written to a report. */
  readonly apiKey: string;
  /** The events to deliver, in the platform's order (a simulation's `events`). */
  readonly events: readonly PassEvent[];
  /** Fault injection ratios. @default no faults */
  readonly faults?: FaultOptions;
  /** Seeds the fault plan and the retry jitter. @default 1 */
  readonly seed?: Seed;
  /** Requests in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Request starts per second, 0 for no limit. @default 0 */
  readonly ratePerSecond?: number;
  /** How long one attempt may take before it counts as a timeout (then retried). @default 10_000 */
  readonly timeoutMs?: number;
  /** Retries of a valid delivery after a non-2xx answer or a timeout. @default 5 */
  readonly maxRetries?: number;
  /** The first retry's base delay; it doubles each retry, with jitter. @default 500 */
  readonly backoffBaseMs?: number;
  /** The longest wait between retries, `Retry-After` included. @default 60_000 */
  readonly backoffMaxMs?: number;
  /** Multiplies every wait (backoff and `Retry-After`): 0.01 runs a test's retries 100 times faster. @default 1 */
  readonly timeScale?: number;
  /** How waits happen (tests record or skip them). @default a setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called about every `progressIntervalMs` and once at the end. */
  readonly onProgress?: (progress: DeliveryProgress) => void;
  /** @default 250 */
  readonly progressIntervalMs?: number;
}

/** The outcome of {@link deliver}: every delivery, and the summary. */
export interface DeliveryResult {
  readonly deliveries: readonly DeliveryRecord[];
  readonly summary: DeliverySummary;
  /** Whether every valid event was accepted and no faulty delivery was. */
  readonly ok: boolean;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
  return value;
}

function readAnswer(body: string): { code?: string; duplicate?: boolean } {
  try {
    const value: unknown = JSON.parse(body);
    if (value === null || typeof value !== 'object') return {};
    const record = value as { duplicate?: unknown; error?: { code?: unknown } };
    return {
      ...(typeof record.duplicate === 'boolean' ? { duplicate: record.duplicate } : {}),
      ...(typeof record.error?.code === 'string' ? { code: record.error.code } : {}),
    };
  } catch {
    return {};
  }
}

/** A wrong key that shares nothing with the real one. */
const WRONG_KEY = 'pk_wrong_0000000000000000000000000000';

/**
 * Delivers events the way a real sender does: POST with the raw key in
 * `Authorization`, bounded concurrency and rate, a timeout per attempt,
 * retries with exponential backoff and jitter on non-2xx and timeouts, and
 * the faults of `faults`. Faulty versions are sent once (never retried) and
 * are expected to get a 4xx; the valid version still follows.
 * @example
 * const { ok, summary } = await deliver({ target: 'http://localhost:3000/webhooks/passworks', apiKey, events: simulate({ passes: 50 }).events });
 */
export async function deliver({
  target,
  apiKey,
  events,
  faults = {},
  seed = 1,
  concurrency = 16,
  ratePerSecond = 0,
  timeoutMs = 10_000,
  maxRetries = 5,
  backoffBaseMs = 500,
  backoffMaxMs = 60_000,
  timeScale = 1,
  sleep = realSleep,
  onProgress,
  progressIntervalMs = 250,
}: DeliverOptions): Promise<DeliveryResult> {
  if (typeof apiKey !== 'string' || apiKey === '') throw new RangeError('apiKey: expected a non-empty string');
  positiveInteger('concurrency', concurrency, 1);
  positiveInteger('timeoutMs', timeoutMs, 1);
  positiveInteger('maxRetries', maxRetries, 0);
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new RangeError(`timeScale: expected a number >= 0, got ${String(timeScale)}`);
  const groups: DeliveryGroup[] = planDeliveries(events, faults, seed);
  const transport: Transport = typeof target === 'string' ? createUrlTransport(target, { maxSockets: concurrency }) : createHandlerTransport(target);
  const path = typeof target === 'string' ? (transport as Transport & { path: string }).path : '/webhooks/passworks';
  const limiter = createRateLimiter(ratePerSecond, sleep);
  const semaphore = createSemaphore(concurrency);
  const jitter = createRandom(`jitter:${String(seed)}`);
  const wait = (ms: number): Promise<void> => (ms * timeScale >= 1 ? sleep(ms * timeScale) : Promise.resolve());
  // Redact before any truncation: cutting first could keep the start of a key that straddles the cut.
  const redact = (text: string): string => text.split(apiKey).join('[redacted]');
  const total = groups.reduce((sum, group) => sum + group.length, 0);
  const records: DeliveryRecord[] = [];
  const counts = { done: 0, accepted: 0, retrying: 0, failed: 0 };
  const started = performance.now();
  const progress = (): DeliveryProgress => ({ total, ...counts, elapsed_ms: Math.round(performance.now() - started) });
  const ticker = onProgress === undefined ? undefined : setInterval(() => onProgress(progress()), progressIntervalMs);
  ticker?.unref();

  const requestOf = (delivery: PlannedDelivery): EmitterRequest => {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(delivery.body.length),
      'user-agent': 'passworks-emitter/0.1',
    };
    if (delivery.auth === 'key') headers['authorization'] = apiKey;
    else if (delivery.auth === 'wrong') headers['authorization'] = WRONG_KEY;
    return { method: 'POST', path, headers, body: delivery.body };
  };

  const attemptOnce = async (request: EmitterRequest): Promise<{ record: AttemptRecord; response?: EmitterResponse }> => {
    const begin = performance.now();
    const started_ms = Math.round(begin - started);
    try {
      const response = await transport.send(request, timeoutMs);
      const answer = readAnswer(response.body);
      const ok = response.status >= 200 && response.status < 300;
      return {
        response,
        record: {
          started_ms,
          duration_ms: Math.round(performance.now() - begin),
          status: response.status,
          ...answer,
          ...(ok || response.body === '' ? {} : { answer: redact(response.body).slice(0, 300) }),
        },
      };
    } catch (error) {
      const kind = error instanceof TransportError ? error.kind : 'network';
      return { record: { started_ms, duration_ms: Math.round(performance.now() - begin), status: null, error: kind } };
    }
  };

  const run = async (delivery: PlannedDelivery, firstPermit: (() => void) | undefined): Promise<void> => {
    const faulty = isFaultyKind(delivery.kind);
    const request = requestOf(delivery);
    const attempts: AttemptRecord[] = [];
    let permit: (() => void) | undefined = firstPermit;
    let final: { record: AttemptRecord; response?: EmitterResponse } | undefined;
    for (let attempt = 0; ; attempt++) {
      permit ??= await semaphore.acquire(true);
      try {
        await limiter.take();
        final = await attemptOnce(request);
      } finally {
        permit();
        permit = undefined;
      }
      attempts.push(final.record);
      const status = final.record.status;
      const success = status !== null && status >= 200 && status < 300;
      // Faulty versions are never retried: a correct receiver rejects them for good.
      if (success || faulty || attempt >= maxRetries) break;
      if (attempt === 0) counts.retrying += 1;
      // Retry-After is honoured up to backoffMaxMs: an endpoint answering `Retry-After: 86400` must not stall a CI run for a day.
      const retryAfter = Math.min(backoffMaxMs, retryAfterMs(final.response?.headers['retry-after']));
      await wait(Math.max(backoffDelayMs(attempt + 1, jitter, { baseMs: backoffBaseMs, maxMs: backoffMaxMs }), retryAfter));
    }
    if (attempts.length > 1) counts.retrying -= 1;
    const last = attempts[attempts.length - 1] as AttemptRecord;
    const status = last.status;
    const outcome: DeliveryOutcome =
      status !== null && status >= 200 && status < 300
        ? last.duplicate === true
          ? 'duplicate'
          : 'accepted'
        : status !== null && status >= 400 && status < 500
          ? 'rejected'
          : 'failed';
    const accepted = outcome === 'accepted' || outcome === 'duplicate';
    const ok = faulty ? !accepted : accepted;
    counts.done += 1;
    if (accepted) counts.accepted += 1;
    if (!ok) counts.failed += 1;
    records.push({
      id: delivery.id,
      kind: delivery.kind,
      pass_id: delivery.pass_id,
      event: delivery.event,
      event_at: delivery.event_at,
      expected: faulty ? 'rejected' : 'accepted',
      attempts,
      outcome,
      ok,
    });
  };

  const pending = new Set<Promise<void>>();
  const start = (delivery: PlannedDelivery, permit: (() => void) | undefined): void => {
    const task = run(delivery, permit).finally(() => pending.delete(task));
    pending.add(task);
  };
  try {
    for (const group of groups) {
      // Members of a group start together (a concurrent duplicate), as far as the concurrency allows.
      const permits: (() => void)[] = [];
      for (let i = 0; i < Math.min(group.length, concurrency); i++) permits.push(await semaphore.acquire(false));
      group.forEach((delivery, i) => start(delivery, permits[i]));
    }
    await Promise.all(pending);
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    transport.close();
  }
  onProgress?.(progress());
  records.sort((a, b) => a.id - b.id);
  const summary = summarize(records, performance.now() - started);
  return { deliveries: records, summary, ok: records.every((record) => record.ok) };
}
