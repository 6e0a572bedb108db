import type { Router } from 'express';
import type { Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import { forwardRoutes } from './api/routes/forward-routes.js';
import type { Storage } from './storage/storage.js';
import { createForwarder, type ForwardOptions, type Forwarder, type ForwarderHooks } from './forward/create-forwarder.js';
import { createForwardMetrics } from './forward/forward-metrics.js';

/** Options of {@link createForwarding}. */
export interface ForwardingOptions {
  /** Opened with `outbox: true` when `forward` is set. */
  readonly storage: Storage;
  /** Undefined: no forwarder; the routes still list attempts, and replays answer 404. */
  readonly forward: ForwardOptions | undefined;
  readonly registry: Registry;
  readonly logger: PinoLogger;
  readonly now: () => number;
}

/** The receiver's forwarding: the forwarder (when configured), its metrics, and its `/api` routes. */
export interface Forwarding {
  readonly forwarder: Forwarder | undefined;
  /** The forwarding metrics (undefined without a forwarder); retention counts its `gone` dead letters there. */
  readonly hooks: ForwarderHooks | undefined;
  readonly router: Router;
  /** Called after an event was stored: the forwarder looks at once. */
  stored(): void;
  /** Stops the forwarder, waiting for attempts in flight at most one attempt's timeout. */
  stop(): Promise<void>;
}

/**
 * Wires forwarding into the receiver: the forwarder over the storage's
 * outbox, its metrics on the receiver's registry, and the routes.
 * @example const forwarding = createForwarding({ storage, forward: { url, apiKey }, registry, logger, now: Date.now });
 */
export function createForwarding({ storage, forward, registry, logger, now }: ForwardingOptions): Forwarding {
  const hooks = forward === undefined ? undefined : createForwardMetrics(registry, () => storage.forwardStats(), now);
  const forwarder = forward === undefined ? undefined : createForwarder({ ...forward, storage, logger, now, ...(hooks === undefined ? {} : { hooks }) });
  const wake = (): void => forwarder?.wake();
  return {
    forwarder,
    hooks,
    router: forwardRoutes(storage, {
      forwarding: forwarder !== undefined,
      replayRatePerSecond: forward?.replayRatePerSecond ?? 50,
      now,
      replayCreated: () => forwarder?.lookForReplays(),
      retried: wake,
    }),
    stored: wake,
    stop: async () => forwarder?.stop((forward?.timeoutMs ?? 10_000) + 1_000),
  };
}
