import { Counter, Gauge, type Registry } from 'prom-client';
import type { ForwarderHooks } from './create-forwarder.js';
import type { ForwardStats } from '../storage/forward-storage.js';

/**
 * The forwarder's Prometheus metrics on the receiver's registry: attempts by
 * outcome and status, dead letters, and (read from the outbox at each
 * scrape) the queue depth and the age of the oldest undelivered event.
 * @returns the hooks the forwarder reports to
 */
export function createForwardMetrics(registry: Registry, stats: () => Promise<ForwardStats>, now: () => number): Required<ForwarderHooks> {
  const attempts = new Counter({
    name: 'passworks_forward_attempts_total',
    help: 'Forwarding attempts, by outcome (succeeded, http_error, timeout, network_error, gone) and HTTP status (none without an answer).',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'passworks_forward_dead_letters_total',
    help: 'Events that failed for good (attempts or age exhausted).',
    registers: [registry],
  });
  // One read of the outbox serves both gauges of a scrape.
  let last: Promise<ForwardStats | undefined> | undefined;
  const read = (): Promise<ForwardStats | undefined> => {
    last ??= stats()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (last = undefined), 100).unref());
    return last;
  };
  new Gauge({
    name: 'passworks_forward_queue_depth',
    help: 'Events waiting to be forwarded (pending, retries included).',
    registers: [registry],
    async collect() {
      const current = await read();
      if (current !== undefined) this.set(current.pending);
    },
  });
  new Gauge({
    name: 'passworks_forward_oldest_pending_age_seconds',
    help: 'How long the oldest undelivered event has been queued (0 when none).',
    registers: [registry],
    async collect() {
      const current = await read();
      if (current !== undefined) this.set(current.oldest_pending_queued_at === null ? 0 : Math.max(0, now() - current.oldest_pending_queued_at) / 1_000);
    },
  });
  return {
    attempt(outcome, status) {
      attempts.inc({ outcome, status: status === null ? 'none' : String(status) });
    },
    deadLetter() {
      deadLetters.inc();
    },
  };
}
