import { EVENT_NAMES, isEventName, type EventName } from './event-names.js';
import { PassworksWebhookError } from './errors.js';
import { isPromiseLike } from './is-promise-like.js';
import type { PassEvent, PassEventOf, UnknownPassEvent } from './pass-event.js';

/** What a handler gets beside the event. */
export interface HandlerContext {
  /** The idempotency key this run holds. */
  readonly idempotencyKey: string;
  /** The exact request body, when the adapter had it (not after another middleware parsed it). */
  readonly rawBody: Uint8Array | string | undefined;
  /** Aborted when the handler runs past its time budget. */
  readonly signal: AbortSignal;
  /**
   * Says this delivery found its event handled already, e.g. your own
   * transaction's insert met the event's unique key (another process had
   * it): the answer is then `200` with `duplicate: true`, as for a
   * duplicate the store recognised. The key is marked done as usual.
   */
  reportDuplicate(): void;
}

/** A handler of one kind of event. Its returned promise settling is what "handled" means. */
export type EventHandler<E> = (event: E, context: HandlerContext) => unknown;

/** Handlers by event name, as the `on` option takes them. */
export type HandlerMap = { readonly [N in EventName]?: EventHandler<PassEventOf<N>> | readonly EventHandler<PassEventOf<N>>[] };

type AnyHandler = EventHandler<never>;

/** The handlers of one webhook handler: per name, any known event, unknown events. */
export class HandlerRegistry {
  readonly #byName = new Map<string, AnyHandler[]>();
  readonly #any: AnyHandler[] = [];
  readonly #unknown: AnyHandler[] = [];
  readonly #combined = new Map<string, readonly AnyHandler[]>();

  /** Adds a handler for `name`; an undocumented name throws `invalid_config` (it would never be called). */
  on(name: string, handler: unknown): void {
    if (!isEventName(name)) {
      throw new PassworksWebhookError(
        'invalid_config',
        `on: unknown event name ${JSON.stringify(name)}; expected one of ${EVENT_NAMES.join(', ')} (use onUnknown for others)`,
      );
    }
    const list = this.#byName.get(name) ?? [];
    list.push(checked(`on.${name}`, handler));
    this.#byName.set(name, list);
    this.#combined.clear();
  }

  onAny(handler: unknown): void {
    this.#any.push(checked('onAny', handler));
    this.#combined.clear();
  }

  onUnknown(handler: unknown): void {
    this.#unknown.push(checked('onUnknown', handler));
  }

  /** Adds every handler of an `on` option map. */
  addMap(map: HandlerMap): void {
    for (const [name, value] of Object.entries(map)) {
      for (const handler of Array.isArray(value) ? value : [value]) this.on(name, handler);
    }
  }

  /**
   * Runs, one after the other, the handlers for the event's name then the
   * any-event ones (known), or the unknown-event ones. Returns undefined when
   * every handler returned synchronously, else a promise of the rest: no
   * promise turn is paid for synchronous handlers. A synchronous throw propagates.
   */
  dispatch(event: PassEvent | UnknownPassEvent, known: boolean, context: HandlerContext): Promise<void> | undefined {
    const handlers = known ? this.#knownHandlers(event.event) : this.#unknown;
    for (let index = 0; index < handlers.length; index++) {
      const result = (handlers[index] as Handler)(event, context);
      if (isPromiseLike(result)) return this.#finish(result, handlers, index + 1, event, context);
    }
    return undefined;
  }

  async #finish(
    pending: PromiseLike<unknown>,
    handlers: readonly AnyHandler[],
    from: number,
    event: PassEvent | UnknownPassEvent,
    context: HandlerContext,
  ): Promise<void> {
    await pending;
    for (let index = from; index < handlers.length; index++) {
      const result = (handlers[index] as Handler)(event, context);
      if (isPromiseLike(result)) await result;
    }
  }

  /** The per-name handlers then the any-event ones, built once per name and rebuilt after a registration. */
  #knownHandlers(name: string): readonly AnyHandler[] {
    let list = this.#combined.get(name);
    if (list === undefined) {
      list = [...(this.#byName.get(name) ?? []), ...this.#any];
      this.#combined.set(name, list);
    }
    return list;
  }
}

type Handler = EventHandler<PassEvent | UnknownPassEvent>;

function checked(where: string, handler: unknown): AnyHandler {
  if (typeof handler !== 'function') throw new PassworksWebhookError('invalid_config', `${where}: expected a function, got ${typeof handler}`);
  return handler as AnyHandler;
}
