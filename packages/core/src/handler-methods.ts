import type { ErrorHook, WebhookHandler } from './create-webhook-handler.js';
import type { EventName } from './event-names.js';
import type { EventHandler } from './handler-registry.js';
import type { PassEvent, PassEventOf, UnknownPassEvent } from './pass-event.js';

/** The chainable registration methods an adapter's middleware carries, each returning the middleware. */
export interface HandlerMethods<Self> {
  /** The pipeline behind the middleware. */
  readonly webhooks: WebhookHandler;
  on<N extends EventName>(name: N, handler: EventHandler<PassEventOf<N>>): Self;
  onAny(handler: EventHandler<PassEvent>): Self;
  onUnknown(handler: EventHandler<UnknownPassEvent>): Self;
  onError(hook: ErrorHook): Self;
}

/** Gives an adapter's function the pipeline's registration methods, so `middleware.on(...)` chains. */
export function withHandlerMethods<F extends object>(fn: F, webhooks: WebhookHandler): F & HandlerMethods<F & HandlerMethods<F>> {
  const self = fn as F & HandlerMethods<F & HandlerMethods<F>>;
  const methods: HandlerMethods<typeof self> = {
    webhooks,
    on(name, handler) {
      webhooks.on(name, handler);
      return self;
    },
    onAny(handler) {
      webhooks.onAny(handler);
      return self;
    },
    onUnknown(handler) {
      webhooks.onUnknown(handler);
      return self;
    },
    onError(hook) {
      webhooks.onError(hook);
      return self;
    },
  };
  return Object.assign(self, methods);
}
