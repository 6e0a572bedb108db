import { compareInstants, parseInstant, type UnknownPassEvent } from '@passworks-webhooks/core';
import type { PassState, Registration } from './pass.js';
import { instantOf, sortKeyOf } from './sort-key.js';

export type { PassState, Registration } from './pass.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

// Dates other than event_at, in their canonical spelling; a value an older version stored that names no instant is kept as it is.
const isoOf = (value: string): string => parseInstant(value)?.iso ?? value;

const later = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  const [first, second] = [parseInstant(a), parseInstant(b)];
  return first !== undefined && second !== undefined && compareInstants(second, first) > 0 ? b : a;
};

function nextRegistration(previous: Registration | undefined, event: UnknownPassEvent, id: string, at: string): Registration | undefined {
  const extra = event.event_extra;
  const base: Registration = previous ?? {
    registration_id: id,
    device_os: null,
    wallet: null,
    wallet_type: null,
    installed_at: null,
    last_fetched_at: null,
    uninstalled_at: null,
    live: false,
  };
  // A registration keeps its device: the first value seen wins, later events only fill gaps.
  const device = {
    device_os: base.device_os ?? text(extra.device_os),
    wallet: base.wallet ?? text(extra.device_app_vendor),
    wallet_type: base.wallet_type ?? text(extra.wallet_type),
  };
  switch (event.event) {
    case 'installed':
      return { ...base, ...device, installed_at: base.installed_at ?? at, live: base.uninstalled_at === null };
    case 'fetched':
      return { ...base, ...device, last_fetched_at: at, live: base.uninstalled_at === null };
    case 'uninstalled':
      return { ...base, ...device, uninstalled_at: base.uninstalled_at ?? at, live: false };
    default:
      return previous;
  }
}

/**
 * Applies one event to a pass's state (`undefined` before its first event).
 * The result depends only on the state and the event, so folding a pass's
 * events sorted by sort key gives one state whatever order they arrived in.
 */
export function applyEvent(state: PassState | undefined, event: UnknownPassEvent): PassState {
  const instant = instantOf(event.event_at);
  const at = instant.iso;
  const registrations = new Map((state?.registrations ?? []).map((r) => [r.registration_id, r]));
  const id = text(event.event_extra.registration_id);
  if (id !== null) {
    const next = nextRegistration(registrations.get(id), event, id, at);
    if (next !== undefined) registrations.set(id, next);
  }
  const list = [...registrations.values()].sort((a, b) => (a.registration_id < b.registration_id ? -1 : a.registration_id > b.registration_id ? 1 : 0));
  const fetchedNow = event.event === 'fetched' ? at : null;
  const reportedFetch = event.last_fetched_at === null ? null : isoOf(event.last_fetched_at);
  return {
    // UUIDs in lower case, as the read API looks them up: an upper-case pass was unreachable there.
    pass_id: event.pass_id.toLowerCase(),
    campaign_id: event.campaign_id.toLowerCase(),
    distribution_id: event.distribution_id.toLowerCase(),
    serial_number: event.serial_number.toLowerCase(),
    created_at: isoOf(event.created_at),
    updated_at: isoOf(event.updated_at),
    voided: event.voided,
    redeemed_count: event.redeemed_count,
    redeemed_at: event.redeemed_at === null ? null : isoOf(event.redeemed_at),
    last_fetched_at: later(later(state?.last_fetched_at ?? null, reportedFetch), fetchedNow),
    last_event: event.event,
    last_event_at: at,
    last_sort_key: sortKeyOf(event.event, instant),
    event_count: (state?.event_count ?? 0) + 1,
    installed_devices: list.filter((r) => r.live).length,
    registrations: list,
    metadata: event.metadata,
  };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The state of a pass after `events`, applied in sort-key order whatever
 * order they are given in. Events sharing a sort key (only possible with a
 * custom idempotency key) are ordered by their JSON text, so the order is
 * total and the state never depends on the order given.
 */
export function projectPass(events: readonly UnknownPassEvent[]): PassState | undefined {
  const keyed = events.map((event) => ({ event, key: sortKeyOf(event.event, instantOf(event.event_at)) }));
  keyed.sort((a, b) => byText(a.key, b.key) || byText(JSON.stringify(a.event), JSON.stringify(b.event)));
  return keyed.reduce<PassState | undefined>((state, { event }) => applyEvent(state, event), undefined);
}
