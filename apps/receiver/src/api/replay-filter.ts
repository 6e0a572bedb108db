import { param } from './read-query.js';
import { invalidRequest } from './send-error.js';
import type { EventFilters } from '../storage/storage.js';
import { FORWARDING_FILTERS } from '../storage/event-filters.js';
import type { ReplayFilter } from '../storage/forward-storage.js';

/** The fields of a replay request, each parsed like the same `GET /api/events` parameter. */
const FIELDS = {
  event: param.text,
  pass_id: param.uuid,
  campaign_id: param.uuid,
  since: param.instant,
  until: param.instant,
} as const;

/**
 * Reads the JSON body of `POST /api/replays`: the event-list filters
 * (`event`, `pass_id`, `campaign_id`, `since`, `until`, same meaning as in
 * `GET /api/events`), `status` (`failed`, the default, or `all`) and
 * `event_id` (one event), `forwarding` (an outbox state or `none`, as in
 * `GET /api/events`; given, it replaces `status`). Throws `invalid_request` naming the bad field.
 */
export function readReplayFilter(body: unknown): ReplayFilter {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidRequest('body', 'a JSON object of replay filters', body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body);
  const filter: Record<string, unknown> = { status: 'failed' };
  for (const [name, value] of Object.entries(body)) {
    if (name === 'status') {
      if (value !== 'failed' && value !== 'all') throw invalidRequest('status', 'failed or all', value);
      filter.status = value;
    } else if (name === 'forwarding') {
      if (typeof value !== 'string' || !(FORWARDING_FILTERS as readonly string[]).includes(value))
        throw invalidRequest('forwarding', FORWARDING_FILTERS.join(', '), value);
      filter.forwarding = value;
    } else if (name === 'event_id') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidRequest('event_id', 'a positive integer event id', value);
      filter.event_id = value;
    } else if (Object.hasOwn(FIELDS, name)) {
      if (typeof value !== 'string') throw invalidRequest(name, 'a string', value);
      filter[name] = FIELDS[name as keyof typeof FIELDS](name, value);
    } else {
      throw invalidRequest('body', `only ${[...Object.keys(FIELDS), 'forwarding', 'status', 'event_id'].join(', ')}`, name);
    }
  }
  if (filter.since !== undefined && filter.until !== undefined && (filter.since as number) >= (filter.until as number))
    throw invalidRequest('until', 'an instant after since', body && (body as { until?: unknown }).until);
  return filter as unknown as ReplayFilter;
}

/** A replay's filter as `GET /api/replays/:id` echoes it: what was given, instants as ISO 8601 strings. */
export type ReplayFilterView = Omit<ReplayFilter, 'since' | 'until'> & { readonly since?: string; readonly until?: string };

/** {@link ReplayFilterView} of a stored filter. */
export function replayFilterView({ since, until, ...filter }: ReplayFilter): ReplayFilterView {
  return {
    ...filter,
    ...(since === undefined ? {} : { since: new Date(since).toISOString() }),
    ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
  };
}
