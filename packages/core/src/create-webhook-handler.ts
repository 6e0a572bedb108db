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
    throw new PassworksWebhookError(
      'invalid_config',
      `no API key configured: set ${API_KEY_ENV} (comma-separated for rotation), pass apiKey, or pass auth: false to turn the check off`,
    );
  }
  return createApiKeyVerifier(source);
}

/** Rejects an option that is not an object with these methods (a wrong store or logger would fail on every request, not at start-up). */
function withMethods(name: string, value: unknown, methods: readonly string[]): void {
  const missing = methods.filter((method) => typeof (value as Record<string, unknown> | null)?.[method] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new PassworksWebhookError(
      'invalid_config',
      `${name}: expected an object with ${methods.join(', ')} functions, missing ${missing.join(', ') || 'all'}`,
    );
  }
}

function aFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') throw new PassworksWebhookError('invalid_config', `${name}: expected a function, got ${typeof value}`);
}

/**
 * What a handler gets beside the event. The AbortController is made only if
 * a handler reads `signal` (most never do); read after the budget ran out,
 * it is aborted already. `reportDuplicate` too is made when first read.
 */
class DeliveryContext implements HandlerContext {
  #abort: AbortController | undefined;
  #timedOut: PassworksWebhookError | undefined;
  #reportDuplicate: (() => void) | undefined;
  /** A handler reported the event handled already: the answer says `duplicate: true`. */
  duplicate = false;

  /** A function bound to this delivery, not a method: handlers destructure it from the context. Made when first read. */
  get reportDuplicate(): () => void {
    return (this.#reportDuplicate ??= () => {
      this.duplicate = true;
    });
  }

  constructor(
    readonly idempotencyKey: string,
    readonly rawBody: Uint8Array | string | undefined,
  ) {}

  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    if (this.#timedOut !== undefined && !this.#abort.signal.aborted) this.#abort.abort(this.#timedOut);
    return this.#abort.signal;
  }

  /** The budget ran out: a signal already handed out aborts now, one read later is aborted when read. */
  timeOut(reason: PassworksWebhookError): void {
    this.#timedOut = reason;
    this.#abort?.abort(reason);
  }
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
  if (!Number.isInteger(retryAfterSeconds))
    throw new PassworksWebhookError('invalid_config', `retryAfterSeconds: expected a whole number of seconds, got ${retryAfterSeconds}`);
  withMethods('store', store, ['claim', 'renew', 'complete', 'release']);
  withMethods('logger', logger, ['debug', 'info', 'warn', 'error']);
  aFunction('idempotencyKey', idempotencyKey);
  if (onError !== undefined) aFunction('onError', onError);
  if (leaseMs <= handlerTimeoutMs) {
    // The pipeline starts renewing a claim when the budget runs out: the first lease must still be live then.
    throw new PassworksWebhookError(
      'invalid_config',
      `leaseMs (${leaseMs}) must be longer than handlerTimeoutMs (${handlerTimeoutMs}): a claim's first lease must outlast the handlers' budget, after which the pipeline renews it until they settle`,
    );
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
   * budget, and reports once if it was lost. A class, so a delivery costs
   * one object here, not a set of closures.
   */
  class Hold {
    #settled = false;
    #lost = false;
    #timer: ReturnType<typeof setInterval> | undefined;

    constructor(
      readonly event: PassEvent | UnknownPassEvent,
      readonly key: string,
      readonly token: string,
    ) {}

    #context(): ErrorContext {
      return { event: this.event, idempotencyKey: this.key };
    }

    #reportLost(cause?: unknown): void {
      if (this.#lost) return;
      this.#lost = true;
      report(
        new PassworksWebhookError(
          'lease_lost',
          `the claim on this ${this.event.event} event was lost while its handlers ran (another delivery may have run them too)`,
          { cause },
        ),
        this.#context(),
      );
    }

    async #completeFailed(cause: unknown): Promise<never> {
      await releaseQuietly(this.key, this.token);
      throw storeFailed(cause, 'the event was handled but could not be marked done');
    }

    /** The handlers succeeded or settled for good: no more renewals. */
    done(): void {
      this.#settled = true;
    }

    /** Marks the key done (with a refusal's outcome): undefined when the store answered synchronously, else a promise. */
    complete(outcome?: StoredOutcome): Promise<void> | undefined {
      let completed: boolean | Promise<boolean>;
      try {
        completed = store.complete(this.key, this.token, outcome);
      } catch (cause) {
        return this.#completeFailed(cause);
      }
      if (!isPromiseLike(completed)) {
        if (!completed) this.#reportLost();
        return undefined;
      }
      return Promise.resolve(completed).then(
        (held) => (held ? undefined : this.#reportLost()),
        (cause: unknown) => this.#completeFailed(cause),
      );
    }

    /** After the handlers threw: a refusal is stored and answered for good; anything else releases the key. */
    async failed(cause: unknown): Promise<never> {
      this.#settled = true;
      if (cause instanceof PassworksWebhookError && cause.code === 'event_refused') {
        await this.complete({ status: cause.status ?? 422, code: cause.code, message: cause.message });
        throw cause;
      }
      await releaseQuietly(this.key, this.token);
      if (cause instanceof PassworksWebhookError && cause.code === 'store_unavailable') throw storeFailed(cause, 'a store failed while the event was handled');
      throw new PassworksWebhookError('handler_failed', `the ${this.event.event} handler failed`, { cause });
    }

    /** Renews the claim now and every third of a lease until the handlers settle (called once the budget ran out). */
    keep(): void {
      this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(leaseMs / 3)));
      // The renewals must not keep a process alive on their own (Deno's timers are numbers, without unref).
      if (typeof this.#timer === 'object') this.#timer.unref();
      void this.#renew();
    }

    async #renew(): Promise<void> {
      if (this.#settled || this.#lost) return;
      try {
        const held = await store.renew(this.key, this.token, { leaseMs });
        if (!held && !this.#settled) this.#reportLost();
      } catch (cause) {
        report(storeFailed(cause, 'the claim of a handler past its budget could not be renewed'), this.#context());
      }
      if (this.#settled || this.#lost) clearInterval(this.#timer);
    }
  }

  /**
   * Runs the handlers, then marks the key done, or stores a refusal, or
   * releases it if anything failed (rejecting with the coded error).
   * Undefined when the handlers and the store all answered synchronously:
   * nothing is left to wait for, so no budget timer and no promise turn are
   * needed.
   */
  const settle = (event: PassEvent | UnknownPassEvent, known: boolean, hold: Hold, context: HandlerContext): Promise<void> | undefined => {
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
      (cause: unknown) => hold.failed(cause),
    );
  };

  /**
   * Steps 6 and 7 for a valid event. Synchronous when the store and the
   * handlers answer synchronously (the memory store, sync handlers): the
   * adapters then write the answer without a promise turn.
   */
  const handleEvent = (read: Extract<ReadEvent, { ok: true }>): WebhookResponse | Promise<WebhookResponse> => {
    const { event } = read;
    let key: string;
    try {
      key = idempotencyKey(event);
    } catch (cause) {
      // A user key function that throws must not make handle() reject: nothing was claimed, so 500 lets the platform retry.
      const error = new PassworksWebhookError('internal_error', 'the idempotency key of the event could not be computed', { cause });
      report(error, { event });
      return errorResponse(error, {}, event.event);
    }
    let pending: ClaimResult | Promise<ClaimResult>;
    try {
      pending = store.claim(key, { leaseMs });
    } catch (cause) {
      return claimFailed(cause, event, key);
    }
    if (!isPromiseLike(pending)) return claimed(read, key, pending);
    return Promise.resolve(pending).then(
      (claim) => claimed(read, key, claim),
      (cause: unknown) => claimFailed(cause, event, key),
    );
  };

  const claimFailed = (cause: unknown, event: PassEvent | UnknownPassEvent, key: string): WebhookResponse => {
    const error = storeFailed(cause, 'the idempotency store failed');
    report(error, { event, idempotencyKey: key });
    return errorResponse(error, retryAfter, event.event);
  };

  /** Step 7 once the store answered the claim: the stored answer, 409, or the handlers' run. */
  const claimed = (read: Extract<ReadEvent, { ok: true }>, key: string, claim: ClaimResult): WebhookResponse | Promise<WebhookResponse> => {
    const { event, known, rawBody } = read;
    if (claim.status === 'done')
      return claim.outcome === undefined ? acceptedResponse(event.event, true, event.pass_id) : refusedResponse(claim.outcome, event.event);
    if (claim.status === 'in_flight') {
      return errorResponse(new PassworksWebhookError('in_flight', 'this event is being handled by another delivery; retry later'), retryAfter, event.event);
    }
    const context = new DeliveryContext(key, rawBody);
    const hold = new Hold(event, key, claim.token);
    const run = settle(event, known, hold, context);
    if (run === undefined) return acceptedResponse(event.event, context.duplicate, event.pass_id);
    return awaitRun(event, key, hold, context, run);
  };

  /** The handlers (or the store) went asynchronous: the answer waits for them, within the budget. */
  const awaitRun = async (
    event: PassEvent | UnknownPassEvent,
    key: string,
    hold: Hold,
    context: DeliveryContext,
    run: Promise<void>,
  ): Promise<WebhookResponse> => {
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
    if (first === 'done') return acceptedResponse(event.event, context.duplicate, event.pass_id);
    if (first === 'timeout') {
      const timedOut = new PassworksWebhookError(
        'handler_timeout',
        `the ${event.event} handler ran past its budget of ${handlerTimeoutMs} ms; its result will still be recorded`,
      );
      context.timeOut(timedOut);
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
    const coded =
      first instanceof PassworksWebhookError ? first : new PassworksWebhookError('internal_error', 'the event could not be handled', { cause: first });
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

  /** Steps 1-5, never throwing; synchronous unless the key source is async. `headPassed`: this delivery's head passed the key check. */
  const read = (request: WebhookRequest, headPassed: boolean): ReadEvent | Promise<ReadEvent> => {
    try {
      const result = readEvent(request, headPassed || authenticated.has(request.headers) ? undefined : verifier, bodyLimitBytes);
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

  const headChecked = (request: RequestHead, result: ReadEvent | undefined, remember: boolean): WebhookResponse | undefined => {
    if (result === undefined) {
      if (remember && verifier !== undefined) authenticated.add(request.headers);
      return undefined;
    }
    return rejected(result);
  };

  /** Steps 1-4 from the head; `remember` marks the headers object as authentic for a later `handle()` or `verify()`. */
  const checkHead = (request: RequestHead, remember: boolean): WebhookResponse | undefined | Promise<WebhookResponse | undefined> => {
    try {
      const result = checkRequestHead(request, verifier, bodyLimitBytes);
      return result instanceof Promise ? result.catch(unreadable).then((late) => headChecked(request, late, remember)) : headChecked(request, result, remember);
    } catch (cause) {
      return rejected(unreadable(cause));
    }
  };

  /** Steps 1-7; synchronous unless the key source, the store or a handler is asynchronous. Never throws nor rejects. */
  const handle = (request: WebhookRequest, headPassed: boolean): WebhookResponse | Promise<WebhookResponse> => {
    const pending = read(request, headPassed);
    return pending instanceof Promise ? pending.then(answer) : answer(pending);
  };

  const answer = (result: ReadEvent): WebhookResponse | Promise<WebhookResponse> => {
    if (!result.ok) return rejected(result) ?? result.response;
    const response = handleEvent(result);
    if (!logging) return response;
    return response instanceof Promise ? response.then((late) => answered(result, late)) : answered(result, response);
  };

  const answered = (result: Extract<ReadEvent, { ok: true }>, response: WebhookResponse): WebhookResponse => {
    logger.debug({ status: response.status, event: result.event.event, pass_id: result.event.pass_id, outcome: response.outcome }, 'delivery answered');
    return response;
  };

  const handler: WebhookHandler = {
    bodyLimitBytes,
    async handle(request) {
      return handle(request, false);
    },
    async verify(request) {
      return read(request, false);
    },
    checkHead(request) {
      return checkHead(request, true);
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
  const headFirst: HeadFirst = { checkHead: (request) => checkHead(request, false), handle: (request) => handle(request, true) };
  Object.defineProperty(handler, HEAD_FIRST, { value: headFirst });
  return handler;
}

/**
 * The adapters' own way through a pipeline they made: the head check
 * without marking the headers object (a WeakSet entry per delivery costs
 * the add and, in the collector, an ephemeron to trace), then `handle` for a
 * delivery whose head passed it, without a second key check. Reached through
 * {@link headFirstOf} only: the symbol is not exported from the package.
 */
const HEAD_FIRST = Symbol('passworks.headFirst');

/** Steps 1-4, then the pipeline for a delivery whose head passed them (the answer at once when nothing on the way is asynchronous). */
export interface HeadFirst {
  checkHead(request: RequestHead): WebhookResponse | undefined | Promise<WebhookResponse | undefined>;
  handle(request: WebhookRequest): WebhookResponse | Promise<WebhookResponse>;
}

/** A pipeline's {@link HeadFirst} pair; for a handler made elsewhere, its public `checkHead` and `handle`. */
export function headFirstOf(webhooks: WebhookHandler): HeadFirst {
  return (
    (webhooks as WebhookHandler & { [HEAD_FIRST]?: HeadFirst })[HEAD_FIRST] ?? {
      checkHead: (request) => webhooks.checkHead(request),
      handle: (request) => webhooks.handle(request),
    }
  );
}
