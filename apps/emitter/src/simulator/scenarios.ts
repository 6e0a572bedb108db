import type { Random } from '../random/create-random.js';
import type { CampaignKind } from './campaign.js';
import { FILE_WALLET_WEIGHTS } from './device-profiles.js';
import { GAPS, type PassLifecycle } from './pass-lifecycle.js';

/**
 * The named lifecycles: the realistic sequences of domain.md (1-7), a
 * boarding pass, a campaign push, and a random walk. `mixed` (not listed
 * here) draws each pass from all of them.
 */
export const SCENARIO_NAMES = [
  'single-use-coupon',
  'loyalty-two-devices',
  'returning-visitor',
  'abandoned',
  'android-reinstall',
  'google-pay-offer',
  'event-ticket-venue-change',
  'boarding-pass',
  'campaign-push',
  'random',
] as const;

/** One of {@link SCENARIO_NAMES}. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What `--scenario` accepts: a scenario name or `mixed`. */
export type ScenarioChoice = ScenarioName | 'mixed';

interface Scenario {
  /** The campaign kinds this lifecycle belongs to. */
  readonly kinds: readonly CampaignKind[];
  /** How often `mixed` draws it. */
  readonly weight: number;
  /** Whether campaign pushes reach passes of this scenario when it runs alone. */
  readonly pushesAlone: boolean;
  readonly live: (pass: PassLifecycle, random: Random) => void;
}

const ALL_KINDS: readonly CampaignKind[] = ['single_use_coupon', 'multi_redeem_coupon', 'store_card', 'event_ticket', 'boarding_pass', 'generic'];

/** A random walk over the steps a pass can take, for the long tail `mixed` needs. */
function randomWalk(pass: PassLifecycle, random: Random): void {
  pass.created();
  const googleHosted = pass.campaign.google_pay && random.chance(0.15);
  if (googleHosted) {
    // Google-hosted: no file, so no fetched and usually no downloaded (domain.md).
    if (random.chance(0.1)) pass.downloaded();
    if (random.chance(0.2)) return;
    const registration = pass.installed('google_pay', GAPS.download);
    for (let i = random.int(0, pass.campaign.multi_redeem ? 4 : 1); i > 0; i--) pass.redeemed();
    if (random.chance(0.3)) pass.uninstalled(registration);
    return;
  }
  for (let steps = random.int(1, 14); steps > 0; steps--) {
    const live = pass.live;
    const fetching = pass.liveFetching;
    const step = random.weighted<string>([
      ['download', pass.events.length < 3 ? 4 : 0.5],
      ['install', live.length < 3 ? (live.length === 0 ? 5 : 1) : 0],
      ['fetch', fetching.length > 0 ? 5 : 0],
      ['redeem', pass.canRedeem && pass.registrations.length > 0 ? 2 : 0],
      ['uninstall', live.length > 0 ? 1 : 0],
      ['update', 0.7],
      ['void', pass.campaign.multi_redeem && pass.canRedeem ? 0.1 : 0],
    ]);
    if (step === 'download') pass.downloaded();
    else if (step === 'install') pass.fetched(pass.installed(random.weighted(FILE_WALLET_WEIGHTS)), GAPS.firstFetch);
    else if (step === 'fetch') pass.fetched(random.pick(fetching));
    else if (step === 'redeem') pass.redeemed();
    else if (step === 'uninstall') pass.uninstalled(random.pick(live));
    else if (step === 'void') pass.voidedSilently();
    else {
      pass.updated();
      for (const registration of pass.liveFetching) pass.fetched(registration, [1, 90]);
    }
  }
}

/** The lifecycles, by name. Each is the domain.md sequence it is named after, step by step. */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  // 1. created, downloaded, installed(R1), fetched(R1) x2, redeemed (voided), fetched(R1), uninstalled(R1)
  'single-use-coupon': {
    kinds: ['single_use_coupon'],
    weight: 8,
    pushesAlone: false,
    live(pass) {
      pass.created().downloaded();
      const r1 = pass.installed('iphone');
      pass.fetched(r1, GAPS.firstFetch).fetched(r1).redeemed().fetched(r1, [5, 600]).uninstalled(r1);
    },
  },
  // 2. created, downloaded, installed(R1), installed(R2), fetched(R1), fetched(R2), redeemed x3, uninstalled(R2)
  'loyalty-two-devices': {
    kinds: ['store_card'],
    weight: 8,
    pushesAlone: false,
    live(pass) {
      pass.created().downloaded();
      const r1 = pass.installed('iphone');
      const r2 = pass.installed('android_wallet_passes', [600, 86_400]);
      pass.fetched(r1).fetched(r2, [1, 600]).redeemed().redeemed().redeemed().uninstalled(r2);
    },
  },
  // 3. created, downloaded, downloaded, installed(R1)
  'returning-visitor': {
    kinds: ['single_use_coupon', 'generic'],
    weight: 6,
    pushesAlone: false,
    live(pass) {
      pass
        .created()
        .downloaded()
        .downloaded([3_600, 3 * 86_400]);
      pass.installed('iphone');
    },
  },
  // 4. created, downloaded, and nothing more
  abandoned: {
    kinds: ALL_KINDS,
    weight: 8,
    pushesAlone: false,
    live(pass) {
      pass.created().downloaded();
    },
  },
  // 5. created, downloaded, installed(R1, android/wallet_passes), fetched(R1)..., uninstalled(R1), installed(R2)
  'android-reinstall': {
    kinds: ['store_card', 'multi_redeem_coupon'],
    weight: 6,
    pushesAlone: false,
    live(pass, random) {
      pass.created().downloaded();
      const r1 = pass.installed('android_wallet_passes');
      pass.fetched(r1, GAPS.firstFetch);
      for (let i = random.int(1, 3); i > 0; i--) pass.fetched(r1);
      pass.uninstalled(r1);
      pass.installed('android_wallet_passes', [60, 3_600]);
    },
  },
  // 6. created, installed(google_wallet), redeemed; no fetched
  'google-pay-offer': {
    kinds: ['single_use_coupon'],
    weight: 6,
    pushesAlone: false,
    live(pass) {
      pass.created();
      pass.installed('google_pay', GAPS.download);
      pass.redeemed();
    },
  },
  // 7. created, downloaded, installed(R1), (update, no event), fetched(R1), redeemed at the gate, uninstalled
  'event-ticket-venue-change': {
    kinds: ['event_ticket'],
    weight: 6,
    pushesAlone: false,
    live(pass) {
      pass.created().downloaded();
      const r1 = pass.installed('iphone');
      pass.updated().fetched(r1, [1, 120]).redeemed().uninstalled(r1);
    },
  },
  'boarding-pass': {
    kinds: ['boarding_pass'],
    weight: 6,
    pushesAlone: false,
    live(pass, random) {
      pass.created().downloaded();
      const r1 = pass.installed(random.chance(0.7) ? 'iphone' : 'android_passworks');
      pass.fetched(r1, GAPS.firstFetch);
      // Gate and time changes reach the device as updates.
      for (let i = random.int(0, 2); i > 0; i--) pass.updated([600, 14_400]).fetched(r1, [1, 60]);
      pass.redeemed([600, 14_400]).uninstalled(r1, [3_600, 86_400]);
    },
  },
  // Store cards on several devices, then the campaign's pushes make bursts of fetched.
  'campaign-push': {
    kinds: ['store_card'],
    weight: 6,
    pushesAlone: true,
    live(pass, random) {
      pass.created().downloaded();
      const r1 = pass.installed(random.weighted(FILE_WALLET_WEIGHTS));
      pass.fetched(r1, GAPS.firstFetch);
      if (random.chance(0.4)) pass.fetched(pass.installed(random.weighted(FILE_WALLET_WEIGHTS), [600, 86_400]), GAPS.firstFetch);
    },
  },
  random: { kinds: ALL_KINDS, weight: 40, pushesAlone: true, live: randomWalk },
};
