import type { Random } from '../random/create-random.js';

/** The campaign types of the platform (domain.md, "Related platform facts"). */
export const CAMPAIGN_TYPES = ['coupon', 'store_card', 'event_ticket', 'boarding_pass', 'generic'] as const;

/** One of {@link CAMPAIGN_TYPES}. */
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

/**
 * The campaign kinds the simulator creates: a type and whether it allows
 * several redeems (a single-use redeem voids the pass).
 */
export const CAMPAIGN_KINDS = {
  single_use_coupon: { type: 'coupon', multiRedeem: false, googlePay: true },
  multi_redeem_coupon: { type: 'coupon', multiRedeem: true, googlePay: true },
  store_card: { type: 'store_card', multiRedeem: true, googlePay: true },
  event_ticket: { type: 'event_ticket', multiRedeem: false, googlePay: false },
  boarding_pass: { type: 'boarding_pass', multiRedeem: false, googlePay: false },
  generic: { type: 'generic', multiRedeem: false, googlePay: false },
} as const satisfies Record<string, { type: CampaignType; multiRedeem: boolean; googlePay: boolean }>;

/** A key of {@link CAMPAIGN_KINDS}. */
export type CampaignKind = keyof typeof CAMPAIGN_KINDS;

/** A simulated campaign, as it appears in a report. */
export interface Campaign {
  readonly campaign_id: string;
  readonly kind: CampaignKind;
  readonly type: CampaignType;
  /** Whether a pass may be redeemed more than once; if not, a redeem voids it. */
  readonly multi_redeem: boolean;
  /** Whether passes may be Google-hosted (Google Pay offers and cards). */
  readonly google_pay: boolean;
  /** Its distributions (download pages). */
  readonly distribution_ids: readonly string[];
  /** Campaign-wide updates pushed to every device (ms since the epoch), each causing a burst of `fetched`. */
  readonly push_times_ms: readonly number[];
}

/** How many pushes a campaign of each kind gets over the simulated window. */
const PUSHES: Record<CampaignKind, readonly [number, number]> = {
  single_use_coupon: [0, 1],
  multi_redeem_coupon: [0, 1],
  store_card: [1, 3],
  event_ticket: [1, 2],
  boarding_pass: [1, 3],
  generic: [0, 2],
};

/** Creates a campaign with 1-3 distributions and its push times inside `[startMs, endMs]`. */
export function createCampaign(random: Random, kind: CampaignKind, startMs: number, endMs: number, withPushes: boolean): Campaign {
  const { type, multiRedeem, googlePay } = CAMPAIGN_KINDS[kind];
  const campaignId = random.uuid();
  const distributionIds = Array.from({ length: random.int(1, 3) }, () => random.uuid());
  const [min, max] = PUSHES[kind];
  const count = withPushes ? random.int(min, max) : 0;
  const spanSeconds = Math.floor((endMs - startMs) / 1000);
  const pushes = Array.from({ length: count }, () => startMs + random.int(Math.floor(spanSeconds / 4), spanSeconds) * 1000).sort((a, b) => a - b);
  return {
    campaign_id: campaignId,
    kind,
    type,
    multi_redeem: multiRedeem,
    google_pay: googlePay,
    distribution_ids: distributionIds,
    push_times_ms: pushes,
  };
}
