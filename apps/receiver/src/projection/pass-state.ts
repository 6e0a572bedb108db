import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { instantOf, sortKeyOf } from './sort-key.js';

/** One device registration of a pass (`event_extra.registration_id`). */
export interface Registration {
  readonly registration_id: string;
  /** `ios`, `android`, `wp`, or null when no event said. */
  readonly device_os: string | null;
  /** The wallet app (`event_extra.device_app_vendor`: passbook, google_wallet, ...). */
  readonly wallet: string | null;
  readonly wallet_type: string | null;
  readonly installed_at: string | null;
  readonly last_fetched_at: string | null;
  readonly uninstalled_at: string | null;
  /** Installed (or fetching) and not uninstalled. */
  readonly live: boolean;
}

/** The projection of one pass: its state after its stored events, applied in `event_at` order. */
export interface PassState {
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly voided: boolean;
  readonly redeemed_count: number;
  readonly redeemed_at: string | null;
  /** The latest device fetch any event reported. */
  readonly last_fetched_at: string | null;
  readonly last_event: string;
  readonly last_event_at: string;
  /** The sort key of the last event applied (see `sortKeyOf`). */
  readonly last_sort_key: string;
  readonly event_count: number;
  /** How many registrations are live. */
  readonly installed_devices: number;
  /** Every registration seen, by `registration_id`. */
  readonly registrations: readonly Registration[];
  readonly metadata: Readonly<Record<string, unknown>>;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

const later = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return instantOf(b).ms > instantOf(a).ms ? b : a;
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
  const reportedFetch = event.last_fetched_at === null ? null : instantOf(event.last_fetched_at).iso;
  return {
    // UUIDs in lower case, as the read API looks them up: an upper-case pass was unreachable there.
    pass_id: event.pass_id.toLowerCase(),
    campaign_id: event.campaign_id.toLowerCase(),
    distribution_id: event.distribution_id.toLowerCase(),
    serial_number: event.serial_number.toLowerCase(),
    created_at: instantOf(event.created_at).iso,
    updated_at: instantOf(event.updated_at).iso,
    voided: event.voided,
    redeemed_count: event.redeemed_count,
    redeemed_at: event.redeemed_at === null ? null : instantOf(event.redeemed_at).iso,
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

/** The state of a pass after `events`, applied in sort-key order whatever order they are given in. */
export function projectPass(events: readonly UnknownPassEvent[]): PassState | undefined {
  const keyed = events.map((event) => ({ event, key: sortKeyOf(event.event, instantOf(event.event_at)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.reduce<PassState | undefined>((state, { event }) => applyEvent(state, event), undefined);
}
