import { EVENT_NAMES, type EventName, type PassEvent } from '@passworks-webhooks/core';
import type { Registration } from './pass-lifecycle.js';

/** A live device registration in the ground truth. */
export interface TruthRegistration {
  readonly registration_id: string;
  readonly device_os: string;
  /** The wallet id (`device_app_vendor`): passbook, google_wallet, wallet_passes, ... */
  readonly wallet: string;
}

/**
 * The final state of one pass as the platform has told it: the fields carried
 * by its latest event (in `event_at` order), the registrations still live,
 * and how many distinct events of each name it sent. A receiver that stored
 * every event once and projected them in `event_at` order has exactly this.
 */
export interface PassTruth {
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly redeemed_count: number;
  readonly redeemed_at: string | null;
  readonly voided: boolean;
  readonly updated_at: string;
  readonly last_fetched_at: string | null;
  /** Live registrations, in install order. */
  readonly registrations: readonly TruthRegistration[];
  readonly last_event: { readonly event: EventName; readonly event_at: string };
  /** Distinct events per name (every documented name present, 0 when none). */
  readonly event_counts: Readonly<Record<EventName, number>>;
}

/** The ground truth of one pass from its events (in emission order) and its registrations. */
export function truthOf(events: readonly PassEvent[], registrations: readonly Registration[]): PassTruth {
  const last = events[events.length - 1];
  if (last === undefined) throw new RangeError('truthOf: a pass has at least its created event');
  const counts = Object.fromEntries(EVENT_NAMES.map((name) => [name, 0])) as Record<EventName, number>;
  for (const event of events) counts[event.event] += 1;
  return {
    pass_id: last.pass_id,
    campaign_id: last.campaign_id,
    distribution_id: last.distribution_id,
    serial_number: last.serial_number,
    redeemed_count: last.redeemed_count,
    redeemed_at: last.redeemed_at,
    voided: last.voided,
    updated_at: last.updated_at,
    last_fetched_at: last.last_fetched_at,
    registrations: registrations
      .filter((registration) => registration.live)
      .map(({ registration_id, profile }) => ({ registration_id, device_os: profile.device_os, wallet: profile.device_app_vendor })),
    last_event: { event: last.event, event_at: last.event_at },
    event_counts: counts,
  };
}
