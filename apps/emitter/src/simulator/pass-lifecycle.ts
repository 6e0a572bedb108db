import type { EventExtra, EventName, PassEvent } from '@passworks-webhooks/core';
import type { Random } from '../random/create-random.js';
import type { Campaign } from './campaign.js';
import { DEVICE_PROFILES, type DeviceProfile, type DeviceProfileName } from './device-profiles.js';
import { formatInstant } from './timestamps.js';

/** A device registration of one pass (one per install; a reinstall is a new one). */
export interface Registration {
  readonly registration_id: string;
  readonly profile: DeviceProfile;
  readonly ip: string;
  live: boolean;
}

/** Seconds between two steps of a lifecycle, as `[min, max]`. */
export type GapSeconds = readonly [number, number];

/** Typical gaps before each step, in seconds (minutes to days, as on a real platform). */
export const GAPS = {
  download: [2, 900],
  install: [3, 180],
  firstFetch: [1, 20],
  fetch: [600, 2 * 86_400],
  redeem: [3_600, 4 * 86_400],
  uninstall: [3_600, 10 * 86_400],
  update: [600, 86_400],
} as const satisfies Record<string, GapSeconds>;

/** Documentation address ranges (RFC 5737), so no real client address is ever invented. */
const IP_PREFIXES = ['192.0.2', '198.51.100', '203.0.113'] as const;

/** Options of {@link PassLifecycle}. */
export interface PassLifecycleOptions {
  readonly random: Random;
  readonly campaign: Campaign;
  readonly createdAtMs: number;
  /** Whether campaign pushes reach this pass. @default true */
  readonly pushes?: boolean;
}

/**
 * One pass living on the simulated platform: every step moves its own clock
 * forward (at least a second, so `(pass_id, event, event_at)` never repeats
 * and `event_at` order is total) and emits the payload the platform would
 * POST, with fields consistent with domain.md's invariants. Campaign pushes
 * due before a step are applied first: `updated_at` moves and every live
 * fetching registration emits `fetched`.
 */
export class PassLifecycle {
  readonly events: PassEvent[] = [];
  readonly registrations: Registration[] = [];
  readonly passId: string;
  readonly campaign: Campaign;
  private readonly random: Random;
  private readonly serialNumber: string;
  private readonly distributionId: string;
  private readonly createdAtMs: number;
  private readonly metadata: Record<string, string>;
  private readonly pushTimes: readonly number[];
  private pushIndex = 0;
  private clockMs: number;
  private updatedAtMs: number;
  private redeemedCount = 0;
  private redeemedAtMs: number | null = null;
  private lastFetchedAtMs: number | null = null;
  private voided = false;

  constructor({ random, campaign, createdAtMs, pushes = true }: PassLifecycleOptions) {
    this.random = random;
    this.campaign = campaign;
    this.passId = random.uuid();
    this.serialNumber = random.uuid();
    this.distributionId = random.pick(campaign.distribution_ids);
    this.createdAtMs = createdAtMs;
    this.updatedAtMs = createdAtMs + random.int(0, 1) * 1000;
    this.clockMs = this.updatedAtMs;
    this.metadata = random.weighted<Record<string, string>>([
      [{}, 5],
      [{ utm_source: random.pick(['newsletter', 'instagram', 'qr_store', 'sms']) }, 3],
      [{ customer_id: `C-${random.int(10_000, 99_999)}`, tier: random.pick(['silver', 'gold']) }, 2],
    ]);
    this.pushTimes = pushes ? campaign.push_times_ms.filter((at) => at > createdAtMs) : [];
  }

  /** Whether the pass can still be redeemed (not voided; single-use passes only once). */
  get canRedeem(): boolean {
    return !this.voided && (this.campaign.multi_redeem || this.redeemedCount === 0);
  }

  /** Live registrations. */
  get live(): Registration[] {
    return this.registrations.filter((registration) => registration.live);
  }

  /** Live registrations whose wallet fetches the pass file. */
  get liveFetching(): Registration[] {
    return this.registrations.filter((registration) => registration.live && registration.profile.fetches);
  }

  created(): this {
    this.clockMs += this.random.int(0, 2) * 1000;
    return this.emit('created', {});
  }

  downloaded(gap: GapSeconds = GAPS.download): this {
    this.advance(gap);
    return this.emit('downloaded', { ip: this.ip() });
  }

  /** Registers a new device (`installed`) and returns its registration. */
  installed(profile: DeviceProfileName, gap: GapSeconds = GAPS.install): Registration {
    this.advance(gap);
    const registration: Registration = { registration_id: this.random.uuid(), profile: DEVICE_PROFILES[profile], ip: this.ip(), live: true };
    this.registrations.push(registration);
    this.emit('installed', { ...this.deviceExtra(registration), ip: registration.ip });
    return registration;
  }

  fetched(registration: Registration, gap: GapSeconds = GAPS.fetch): this {
    this.advance(gap);
    // A registration uninstalled during a push may be gone by now.
    if (registration.live && registration.profile.fetches) this.fetchNow(registration);
    return this;
  }

  /** Redeems once (a single-use redeem voids the pass); a no-op when the pass cannot be redeemed. */
  redeemed(gap: GapSeconds = GAPS.redeem): this {
    if (!this.canRedeem) return this;
    this.advance(gap);
    this.redeemedCount += 1;
    this.redeemedAtMs = this.clockMs;
    this.updatedAtMs = this.clockMs;
    if (!this.campaign.multi_redeem) this.voided = true;
    return this.emit('redeemed', {});
  }

  uninstalled(registration: Registration, gap: GapSeconds = GAPS.uninstall): this {
    this.advance(gap);
    if (!registration.live) return this;
    registration.live = false;
    return this.emit('uninstalled', this.deviceExtra(registration));
  }

  /** A pass update with no event of its own (venue change, gate change): only `updated_at` moves. */
  updated(gap: GapSeconds = GAPS.update): this {
    this.advance(gap);
    this.updatedAtMs = this.clockMs;
    return this;
  }

  /** The platform voids the pass without an event (an admin action): `voided` shows on the next event. */
  voidedSilently(gap: GapSeconds = GAPS.update): this {
    this.advance(gap);
    this.voided = true;
    this.updatedAtMs = this.clockMs;
    return this;
  }

  /** Applies every campaign push still due, after the scripted steps. */
  finish(): this {
    const last = this.pushTimes[this.pushTimes.length - 1];
    if (last !== undefined && last > this.clockMs) this.advanceTo(last + 1000);
    return this;
  }

  private ip(): string {
    return `${this.random.pick(IP_PREFIXES)}.${this.random.int(1, 254)}`;
  }

  private deviceExtra(registration: Registration): EventExtra {
    const { device_os, device_app_vendor, wallet_type } = registration.profile;
    return { registration_id: registration.registration_id, device_os, device_app_vendor, wallet_type };
  }

  private fetchNow(registration: Registration): void {
    this.lastFetchedAtMs = this.clockMs;
    this.emit('fetched', this.deviceExtra(registration));
  }

  private advance([min, max]: GapSeconds): void {
    this.advanceTo(this.clockMs + this.random.int(Math.max(1, min), Math.max(1, max)) * 1000);
  }

  /** Moves the clock to `targetMs`, running the pushes due on the way (each one can push the target later). */
  private advanceTo(targetMs: number): void {
    let target = targetMs;
    while (this.events.length > 0 && this.pushIndex < this.pushTimes.length) {
      const pushAt = this.pushTimes[this.pushIndex] as number;
      if (pushAt > target) break;
      this.pushIndex += 1;
      if (pushAt <= this.clockMs) continue;
      this.clockMs = pushAt;
      this.updatedAtMs = pushAt;
      // Devices answer the push notification within seconds to minutes.
      for (const registration of this.liveFetching) {
        this.clockMs += this.random.int(1, 120) * 1000;
        this.fetchNow(registration);
      }
      if (target <= this.clockMs) target = this.clockMs + this.random.int(1, 30) * 1000;
    }
    this.clockMs = Math.max(target, this.clockMs + 1000);
  }

  private emit(event: EventName, extra: EventExtra): this {
    this.events.push({
      event,
      context: 'pass',
      campaign_id: this.campaign.campaign_id,
      distribution_id: this.distributionId,
      pass_id: this.passId,
      voided: this.voided,
      serial_number: this.serialNumber,
      redeemed_count: this.redeemedCount,
      redeemed_at: this.redeemedAtMs === null ? null : formatInstant(this.redeemedAtMs),
      created_at: formatInstant(this.createdAtMs),
      updated_at: formatInstant(this.updatedAtMs),
      last_fetched_at: this.lastFetchedAtMs === null ? null : formatInstant(this.lastFetchedAtMs),
      event_at: formatInstant(this.clockMs),
      metadata: { ...this.metadata },
      event_extra: { pass_id: this.passId, ...extra },
    });
    return this;
  }
}
