import { API_KEY_ENV, apiKeysFromEnv, createApiKeyVerifier, type ApiKeySource, type ApiKeyVerifier } from './api-key-verifier.js';
import { acceptedResponse, errorResponse, refusedResponse } from './error-response.js';
import { PassworksWebhookError } from './errors.js';
import type { EventName } from './event-names.js';
import { HandlerRegistry, type EventHandler, type HandlerContext, type HandlerMap } from './handler-registry.js';
import { defaultIdempotencyKey, type IdempotencyKeyFunction } from './idempotency-key.js';
import type { ClaimResult, IdempotencyStore, StoredOutcome } from './idempotency-store.js';
import { isPromiseLike } from './is-promise-like.js';
import { silentLogger, type Logger } from './logger.js';
import { createMemoryStore } from './memory-store.js';
import type { PassEvent, PassEventOf, UnknownPassEvent } from './pass-event.js';
import { checkRequestHead, readEvent, type ReadEvent, type RequestHead } from './read-event.js';
import type { WebhookRequest, WebhookResponse } from './webhook-http.js';

/** What an error hook learns: the error, and the event and key when known. Never a key or header. */
export interface ErrorContext {
  readonly event?: PassEvent | UnknownPassEvent;
  readonly idempotencyKey?: string;
}

/** Called for every server-side failure (handler threw or timed out, store failed), including late ones. */
export type ErrorHook = (error: PassworksWebhookError, context: ErrorContext) => void;

/** Options of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions {
  /**
   * The organization's API key(s): a value, a list (rotation) or a function
   * called per request.
   * @default the comma-separated list in `PASSWORKS_API_KEY`
   */
  readonly apiKey?: ApiKeySource;
  /** `false` turns the `Authorization` check off; it is never off by default. @default true */
  readonly auth?: boolean;
  /** Where claims and done keys live. @default createMemoryStore() */
  readonly store?: IdempotencyStore;
  /** Maps an event to its idempotency key. @default pass_id + event + normalised event_at */
  readonly idempotencyKey?: IdempotencyKeyFunction;
  /** The largest body accepted, in bytes. @default 102_400 */
  readonly bodyLimitBytes?: number;
  /**
   * How long the handlers may run before the answer is 503 (the platform's
   * sender may time out at 5 s). Their eventual result still marks or
   * releases the key.
   * @default 4_000
   */
  readonly handlerTimeoutMs?: number;
  /** How long a claim holds if its holder crashes; longer than `handlerTimeoutMs`. @default 60_000 */
  readonly leaseMs?: number;
  /** The `Retry-After` of 409 and 503 answers, in whole seconds. @default 5 */
  readonly retryAfterSeconds?: number;
  /** A pino-compatible logger. @default silent */
  readonly logger?: Logger;
  /** Handlers by event name. */
  readonly on?: HandlerMap;
  /** Handler of every known event, after the per-name ones. */
  readonly onAny?: EventHandler<PassEvent>;
  /** Handler of events with an undocumented name (they are accepted). */
  readonly onUnknown?: EventHandler<UnknownPassEvent>;
  /** Hook for server-side failures. */
  readonly onError?: ErrorHook;
}

/** The pipeline: `handle()` a framework-free request; register handlers with `on`. */
export interface WebhookHandler {
  /** The body limit in bytes, for adapters that read the stream. */
  readonly bodyLimitBytes: number;
  /** Runs the seven steps of the pipeline; never rejects. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** Steps 1-5 only (method, type, size, auth, validation), for routes that handle the event themselves. */
  verify(request: WebhookRequest): Promise<ReadEvent>;
  /**
   * Steps 1-4 as far as the head allows, for adapters to run before they
   * read the body: method (405), content type and coding (415), declared
   * `Content-Length` (413), key (401). The error answer, or undefined to read
   * the body; `handle()` and `verify()` then skip the key check for the same
   * `headers` object. Synchronous unless the keys come from an async function.
   */
  checkHead(request: RequestHead): WebhookResponse | undefined | Promise<WebhookResponse | undefined>;
  on<N extends EventName>(name: N, handler: EventHandler<PassEventOf<N>>): this;
  onAny(handler: EventHandler<PassEvent>): this;
  onUnknown(handler: EventHandler<UnknownPassEvent>): this;
  onError(hook: ErrorHook): this;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new PassworksWebhookError('invalid_config', `${name}: expected a positive number, got ${String(value)}`);
  return value;
}

function resolveVerifier(apiKey: ApiKeySource | undefined, auth: boolean): ApiKeyVerifier | undefined {
  if (auth === false) return undefined;
  const source = apiKey ?? apiKeysFromEnv();
  if (source === undefined) {
    throw new PassworksWebhookError('invalid_config', `no API key configured: set ${API_KEY_ENV} (comma-separated for rotation), pass apiKey, or pass auth: false to turn the check off`);
  }
  return createApiKeyVerifier(source);
}

/** Rejects an option that is not an object with these methods (a wrong store or logger would fail on every request, not at start-up). */
function withMethods(name: string, value: unknown, methods: readonly string[]): void {
  const missing = methods.filter((method) => typeof (value as Record<string, unknown> | null)?.[method] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new PassworksWebhookError('invalid_config', `${name}: expected an object with ${methods.join(', ')} functions, missing ${missing.join(', ') || 'all'}`);
  }
}

function aFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') throw new PassworksWebhookError('invalid_config', `${name}: expected a function, got ${typeof value}`);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Creates the framework-free pipeline of design.md: method, content type,
 * size, auth, validation, idempotency, dispatch. It answers 2xx only after
 * every handler succeeded and the key is marked done in the store.
 * @example
 * const webhooks = createWebhookHandler({ apiKey: process.env.PASSWORKS_API_KEY })
 *   .on('redeemed', async (event) => { await loyalty.credit(event.pass_id); });
 * const response = await webhooks.handle({ method: 'POST', headers, body });
 */
export function createWebhookHandler({
  apiKey,
  auth = true,
  store = createMemoryStore(),
  idempotencyKey = defaultIdempotencyKey,
  bodyLimitBytes = 102_400,
  handlerTimeoutMs = 4_000,
  leaseMs = 60_000,
  retryAfterSeconds = 5,
  logger = silentLogger,
  on,
  onAny,
  onUnknown,
  onError,
}: WebhookHandlerOptions = {}): WebhookHandler {
  if (typeof auth !== 'boolean') throw new PassworksWebhookError('invalid_config', `auth: expected a boolean, got ${typeof auth}`);
  const verifier = resolveVerifier(apiKey, auth);
  positive('bodyLimitBytes', bodyLimitBytes);
  positive('handlerTimeoutMs', handlerTimeoutMs);
  positive('leaseMs', leaseMs);
  positive('retryAfterSeconds', retryAfterSeconds);
  // Retry-After is a whole number of seconds (RFC 9110 §10.2.3).
  if (!Number.isInteger(retryAfterSeconds)) throw new PassworksWebhookError('invalid_config', `retryAfterSeconds: expected a whole number of seconds, got ${retryAfterSeconds}`);
  withMethods('store', store, ['claim', 'renew', 'complete', 'release']);
  withMethods('logger', logger, ['debug', 'info', 'warn', 'error']);
  aFunction('idempotencyKey', idempotencyKey);
  if (onError !== undefined) aFunction('onError', onError);
  if (leaseMs <= handlerTimeoutMs) {
    // The pipeline starts renewing a claim when the budget runs out: the first lease must still be live then.
    throw new PassworksWebhookError('invalid_config', `leaseMs (${leaseMs}) must be longer than handlerTimeoutMs (${handlerTimeoutMs}): a claim's first lease must outlast the handlers' budget, after which the pipeline renews it until they settle`);
  }
  const registry = new HandlerRegistry();
  if (on !== undefined) registry.addMap(on);
  if (onAny !== undefined) registry.onAny(onAny);
  if (onUnknown !== undefined) registry.onUnknown(onUnknown);
  const errorHooks: ErrorHook[] = onError === undefined ? [] : [onError];
  const retryAfter = { 'retry-after': String(retryAfterSeconds) };
  // Every delivery would build log fields for nothing with the default silent logger.
  const logging = logger !== silentLogger;

  const report = (error: PassworksWebhookError, context: ErrorContext): void => {
    // The detail (the cause's text, SQL, a driver's error) goes here and to onError, never into the answer.
    logger.error({ code: error.code, event: context.event?.event, pass_id: context.event?.pass_id, cause: messageOf(error.cause) }, error.message);
    for (const hook of errorHooks) {
      try {
        hook(error, context);
      } catch {
        // A failing hook must not turn an answer into a crash.
      }
    }
  };

  /** Releases the key whatever the store says: the answer is already an error. */
  const releaseQuietly = async (key: string, token: string): Promise<void> => {
    try {
      await store.release(key, token);
    } catch {
      // The claim expires after its lease anyway.
    }
  };

  const storeFailed = (cause: unknown, what: string): PassworksWebhookError =>
    new PassworksWebhookError('store_unavailable', `${what}; retry later`, { cause });

  /**
   * One delivery's hold on its key, from the claim to the answer: marks it
   * done, refused or released, renews it while a handler runs past its
   * budget, and reports once if it was lost.
   */
  const holdOf = (event: PassEvent | UnknownPassEvent, key: string, token: string) => {
    const context: ErrorContext = { event, idempotencyKey: key };
    let settled = false;
    let lost = false;
    const reportLost = (cause?: unknown): void => {
      if (lost) return;
      lost = true;
      report(new PassworksWebhookError('lease_lost', `the claim on this ${event.event} event was lost while its handlers ran (another delivery may have run them too)`, { cause }), context);
    };
    /** Marks the key done (with a refusal's outcome): undefined when the store answered synchronously, else a promise. */
    const complete = (outcome?: StoredOutcome): Promise<void> | undefined => {
      const failed = async (cause: unknown): Promise<never> => {
        await releaseQuietly(key, token);
        throw storeFailed(cause, 'the event was handled but could not be marked done');
      };
      let completed: boolean | Promise<boolean>;
      try {
        completed = store.complete(key, token, outcome);
      } catch (cause) {
        return failed(cause);
      }
      if (!isPromiseLike(completed)) {
        if (!completed) reportLost();
        return undefined;
      }
      return Promise.resolve(completed).then((held) => (held ? undefined : reportLost()), failed);
    };
    /** After the handlers threw: a refusal is stored and answered for good; anything else releases the key. */
    const failed = async (cause: unknown): Promise<never> => {
      settled = true;
      if (cause instanceof PassworksWebhookError && cause.code === 'event_refused') {
        await complete({ status: cause.status ?? 422, code: cause.code, message: cause.message });
        throw cause;
      }
      await releaseQuietly(key, token);
      if (cause instanceof PassworksWebhookError && cause.code === 'store_unavailable') throw storeFailed(cause, 'a store failed while the event was handled');
      throw new PassworksWebhookError('handler_failed', `the ${event.event} handler failed`, { cause });
    };
    /** Renews the claim now and every third of a lease until the handlers settle (called once the budget ran out). */
    const keep = (): void => {
      const renew = async (): Promise<void> => {
        if (settled || lost) return;
        try {
          const held = await store.renew(key, token, { leaseMs });
          if (!held && !settled) reportLost();
        } catch (cause) {
          report(storeFailed(cause, 'the claim of a handler past its budget could not be renewed'), context);
        }
        if (settled || lost) clearInterval(timer);
      };
      const timer = setInterval(() => void renew(), Math.max(1, Math.floor(leaseMs / 3)));
      // The renewals must not keep a process alive on their own (Deno's timers are numbers, without unref).
      if (typeof timer === 'object') timer.unref();
      void renew();
    };
    return {
      complete,
      failed,
      keep,
      done(): void {
        settled = true;
      },
    };
  };

  /**
   * Runs the handlers, then marks the key done, or stores a refusal, or
   * releases it if anything failed (rejecting with the coded error).
   * Undefined when the handlers and the store all answered synchronously:
   * nothing is left to wait for, so no budget timer and no promise turn are
   * needed.
   */
  const settle = (event: PassEvent | UnknownPassEvent, known: boolean, hold: ReturnType<typeof holdOf>, context: HandlerContext): Promise<void> | undefined => {
    let dispatched: Promise<void> | undefined;
    try {
      dispatched = registry.dispatch(event, known, context);
    } catch (cause) {
      return hold.failed(cause);
    }
    if (dispatched === undefined) {
      hold.done();
      return hold.complete();
    }
    return dispatched.then(
      () => {
        hold.done();
        return hold.complete();
      },
      hold.failed,
    );
  };

  const handleEvent = async (read: Extract<ReadEvent, { ok: true }>): Promise<WebhookResponse> => {
    const { event, known, rawBody } = read;
    let key: string;
    try {
      key = idempotencyKey(event);
    } catch (cause) {
      // A user key function that throws must not make handle() reject: nothing was claimed, so 500 lets the platform retry.
      const error = new PassworksWebhookError('internal_error', 'the idempotency key of the event could not be computed', { cause });
      report(error, { event });
      return errorResponse(error, {}, event.event);
    }
    let claim: ClaimResult;
    try {
      const pending = store.claim(key, { leaseMs });
      claim = isPromiseLike(pending) ? await pending : pending;
    } catch (cause) {
      const error = storeFailed(cause, 'the idempotency store failed');
      report(error, { event, idempotencyKey: key });
      return errorResponse(error, retryAfter, event.event);
    }
    if (claim.status === 'done') return claim.outcome === undefined ? acceptedResponse(event.event, true) : refusedResponse(claim.outcome, event.event);
    if (claim.status === 'in_flight') {
      return errorResponse(new PassworksWebhookError('in_flight', 'this event is being handled by another delivery; retry later'), retryAfter, event.event);
    }
    // The AbortController is made only if a handler reads `signal`: most never do. Read after the budget ran out, it is aborted already.
    let abort: AbortController | undefined;
    let timedOut: PassworksWebhookError | undefined;
    const context: HandlerContext = {
      idempotencyKey: key,
      rawBody,
      get signal() {
        abort ??= new AbortController();
        if (timedOut !== undefined && !abort.signal.aborted) abort.abort(timedOut);
        return abort.signal;
      },
    };
    const hold = holdOf(event, key, claim.token);
    const run = settle(event, known, hold, context);
    if (run === undefined) return acceptedResponse(event.event, false);
    // One promise settles on whichever comes first: the handlers, or the budget.
    const first = await new Promise<'done' | 'timeout' | unknown>((resolve) => {
      const timer = setTimeout(resolve, handlerTimeoutMs, 'timeout');
      run.then(
        () => {
          clearTimeout(timer);
          resolve('done');
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve(error);
        },
      );
    });
    if (first === 'done') return acceptedResponse(event.event, false);
    if (first === 'timeout') {
      timedOut = new PassworksWebhookError('handler_timeout', `the ${event.event} handler ran past its budget of ${handlerTimeoutMs} ms; its result will still be recorded`);
      abort?.abort(timedOut);
      report(timedOut, { event, idempotencyKey: key });
      // The claim is renewed until the handlers settle, so no retry runs them a second time meanwhile.
      hold.keep();
      // The late result still marks or releases the key; only report a late failure.
      run.catch((late: PassworksWebhookError) => {
        if (late.code === 'event_refused') logger.warn({ code: late.code, event: event.event, pass_id: event.pass_id }, late.message);
        else report(late, { event, idempotencyKey: key });
      });
      return errorResponse(timedOut, retryAfter, event.event);
    }
    const coded = first instanceof PassworksWebhookError ? first : new PassworksWebhookError('internal_error', 'the event could not be handled', { cause: first });
    if (coded.code === 'event_refused') {
      // A decision, not a failure: no onError; the sender gets the handler's message, stored for every retry.
      if (logging) logger.warn({ code: coded.code, status: coded.status, event: event.event, pass_id: event.pass_id }, coded.message);
      return errorResponse(coded, {}, event.event);
    }
    report(coded, { event, idempotencyKey: key });
    return errorResponse(coded, coded.code === 'store_unavailable' ? retryAfter : {}, event.event);
  };

  const unreadable = (cause: unknown): ReadEvent => {
    const error = new PassworksWebhookError('internal_error', 'the request could not be checked (is the apiKey function failing?)', { cause });
    report(error, {});
    return { ok: false, error, response: errorResponse(error) };
  };

  // Heads whose key checkHead() verified: the pipeline does not hash the key twice per delivery.
  const authenticated = new WeakSet<object>();

  /** Steps 1-5, never throwing; synchronous unless the key source is async. */
  const read = (request: WebhookRequest): ReadEvent | Promise<ReadEvent> => {
    try {
      const result = readEvent(request, authenticated.has(request.headers) ? undefined : verifier, bodyLimitBytes);
      return result instanceof Promise ? result.catch(unreadable) : result;
    } catch (cause) {
      return unreadable(cause);
    }
  };

  const rejected = (result: ReadEvent): WebhookResponse | undefined => {
    if (result.ok) return undefined;
    if (logging && result.response.status < 500) logger.warn({ status: result.response.status, code: result.error.code }, result.error.message);
    return result.response;
  };

  const headChecked = (request: RequestHead, result: ReadEvent | undefined): WebhookResponse | undefined => {
    if (result === undefined) {
      if (verifier !== undefined) authenticated.add(request.headers);
      return undefined;
    }
    return rejected(result);
  };

  const handler: WebhookHandler = {
    bodyLimitBytes,
    async handle(request) {
      const pending = read(request);
      const result = pending instanceof Promise ? await pending : pending;
      if (!result.ok) return rejected(result) ?? result.response;
      const response = await handleEvent(result);
      if (logging) logger.debug({ status: response.status, event: result.event.event, pass_id: result.event.pass_id, outcome: response.outcome }, 'delivery answered');
      return response;
    },
    async verify(request) {
      return read(request);
    },
    checkHead(request) {
      try {
        const result = checkRequestHead(request, verifier, bodyLimitBytes);
        return result instanceof Promise ? result.catch(unreadable).then((late) => headChecked(request, late)) : headChecked(request, result);
      } catch (cause) {
        return rejected(unreadable(cause));
      }
    },
    on(name, fn) {
      registry.on(name, fn);
      return this;
    },
    onAny(fn) {
      registry.onAny(fn);
      return this;
    },
    onUnknown(fn) {
      registry.onUnknown(fn);
      return this;
    },
    onError(hook) {
      aFunction('onError', hook);
      errorHooks.push(hook);
      return this;
    },
  };
  return handler;
}
