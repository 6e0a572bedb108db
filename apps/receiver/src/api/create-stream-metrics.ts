import { Gauge, type Registry } from 'prom-client';
import type { EventStream } from './create-event-stream.js';

/**
 * The live stream's Prometheus gauges, read at each scrape: clients
 * connected, and how long ago its shared poller last finished a read while
 * any client is connected (0 without a client: nothing to poll for). A poll
 * that keeps failing, or hangs on the database, grows the age: the
 * `PassworksLiveStreamStalled` alert of `docs/alerts.yml`.
 */
export function createStreamMetrics(registry: Registry, stream: EventStream, now: () => number = Date.now): void {
  new Gauge({
    name: 'passworks_event_stream_clients',
    help: 'Clients connected to GET /api/events/stream.',
    registers: [registry],
    collect() {
      this.set(stream.clients);
    },
  });
  new Gauge({
    name: 'passworks_event_stream_last_poll_age_seconds',
    help: 'Seconds since the live stream last read new events while a client is connected (0 without a client).',
    registers: [registry],
    collect() {
      const at = stream.lastPolledAtMs;
      this.set(stream.clients === 0 || at === undefined ? 0 : Math.max(0, now() - at) / 1_000);
    },
  });
}
