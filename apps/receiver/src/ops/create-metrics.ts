import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isEventName } from '@passworks-webhooks/core';

/** The receiver's Prometheus metrics, on a registry of its own (so one process can hold many apps). */
export interface ReceiverMetrics {
  readonly registry: Registry;
  /** Records one answered delivery (a `duplicate` outcome also counts in the duplicates total: answered from the done mark, or found stored in the transaction). */
  delivery(status: number, event: string | undefined, outcome: string, durationSeconds: number): void;
  /** Records the size of one committed batch of writes. */
  batch(size: number): void;
}

/** Creates the metrics; `databaseSize` is asked at each scrape (a failure keeps the last value). */
export function createMetrics(databaseSize: () => Promise<number>): ReceiverMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const deliveries = new Counter({
    name: 'passworks_deliveries_total',
    help: 'Webhook deliveries answered, by HTTP status, event name and outcome (processed, duplicate, rejected, failed).',
    labelNames: ['status', 'event', 'outcome'] as const,
    registers: [registry],
  });
  const duplicates = new Counter({ name: 'passworks_duplicates_total', help: 'Deliveries of an event already stored.', registers: [registry] });
  const duration = new Histogram({
    name: 'passworks_webhook_duration_seconds',
    help: 'Time from request to answer on the webhook path, commit included.',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'passworks_commit_batch_size',
    help: 'Writes committed together by group commit.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  new Gauge({
    name: 'passworks_database_size_bytes',
    help: 'Size of the database: the SQLite file plus its write-ahead log, or pg_database_size on PostgreSQL.',
    registers: [registry],
    async collect() {
      try {
        this.set(await databaseSize());
      } catch {
        // The database is unreachable: /readyz says so; the scrape still answers.
      }
    },
  });
  return {
    registry,
    delivery(status, event, outcome, durationSeconds) {
      // Unknown names come from authenticated senders only, but still bound the label set.
      const name = event === undefined ? 'none' : isEventName(event) ? event : 'unknown';
      deliveries.inc({ status: String(status), event: name, outcome });
      duration.observe({ outcome }, durationSeconds);
      if (outcome === 'duplicate') duplicates.inc();
    },
    batch(size) {
      batches.observe(size);
    },
  };
}
