import type { PassEvent } from '@passworks-webhooks/core';
import { createRandom, type Seed } from '../random/create-random.js';
import { CAMPAIGN_KINDS, createCampaign, type Campaign, type CampaignKind } from './campaign.js';
import { truthOf, type PassTruth } from './ground-truth.js';
import { PassLifecycle } from './pass-lifecycle.js';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioChoice, type ScenarioName } from './scenarios.js';
import { parseInstant } from './timestamps.js';

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The seed: the same seed (and options) gives byte-identical events. @default 1 */
  readonly seed?: Seed;
  /** How many passes to create. @default 100 */
  readonly passes?: number;
  /** A scenario of {@link SCENARIO_NAMES}, or `mixed` (all of them, weighted). @default 'mixed' */
  readonly scenario?: ScenarioChoice;
  /** The simulated clock's start, an ISO 8601 date-time. @default '2026-03-02T09:00:00Z' */
  readonly startAt?: string;
  /** Over how many days passes are created (events run on after it). @default 7 */
  readonly windowDays?: number;
}

/** A simulated platform run: its campaigns, every event in `event_at` order, and the ground truth. */
export interface Simulation {
  readonly seed: Seed;
  readonly scenario: ScenarioChoice;
  readonly campaigns: readonly Campaign[];
  /** Every event, ordered by `event_at` (ties by pass creation order), as the platform emits them. */
  readonly events: readonly PassEvent[];
  /** The final state of every pass, in creation order. */
  readonly truth: readonly PassTruth[];
}

/** The simulated clock's start when none is given: fixed, so a seed gives the same bytes on any day. */
export const DEFAULT_START_AT = '2026-03-02T09:00:00Z';

function checkOptions(passes: number, scenario: string, windowDays: number, startAt: string): number {
  if (!Number.isInteger(passes) || passes < 0) throw new RangeError(`passes: expected an integer >= 0, got ${String(passes)}`);
  if (scenario !== 'mixed' && !(SCENARIO_NAMES as readonly string[]).includes(scenario)) {
    throw new RangeError(`scenario: expected mixed or one of ${SCENARIO_NAMES.join(', ')}, got ${JSON.stringify(scenario)}`);
  }
  if (!Number.isFinite(windowDays) || windowDays <= 0) throw new RangeError(`windowDays: expected a positive number, got ${String(windowDays)}`);
  const start = parseInstant(startAt);
  return Math.floor(start / 1000) * 1000;
}

/**
 * Runs the platform simulation: campaigns of each kind, passes living the
 * chosen scenario (or a weighted mix) on a simulated clock, and the ground
 * truth. Pure and seeded: no wall clock, no global randomness.
 * @example
 * const { events, truth } = simulate({ seed: 7, passes: 500 });
 */
export function simulate({ seed = 1, passes = 100, scenario = 'mixed', startAt = DEFAULT_START_AT, windowDays = 7 }: SimulateOptions = {}): Simulation {
  const startMs = checkOptions(passes, scenario, windowDays, startAt);
  const windowSeconds = Math.floor(windowDays * 86_400);
  const endMs = startMs + windowSeconds * 1000;
  const random = createRandom(seed);
  const kinds = Object.keys(CAMPAIGN_KINDS) as CampaignKind[];

  const campaignsByKind = new Map<CampaignKind, Campaign[]>();
  const campaigns: Campaign[] = [];
  const addCampaign = (kind: CampaignKind, withPushes: boolean): void => {
    const campaign = createCampaign(random, kind, startMs, endMs, withPushes);
    campaigns.push(campaign);
    campaignsByKind.set(kind, [...(campaignsByKind.get(kind) ?? []), campaign]);
  };
  const neededKinds = scenario === 'mixed' ? kinds : kinds.filter((kind) => SCENARIOS[scenario].kinds.includes(kind));
  const withPushes = scenario === 'mixed' || SCENARIOS[scenario].pushesAlone;
  // One campaign per kind, and one more for every 250 passes.
  const extra = Math.floor(passes / 250) * neededKinds.length;
  for (let i = 0; i < neededKinds.length + extra; i++) addCampaign(neededKinds[i % neededKinds.length] as CampaignKind, withPushes);

  const weights = SCENARIO_NAMES.map((name) => [name, SCENARIOS[name].weight] as const);
  const lifecycles: PassLifecycle[] = [];
  for (let i = 0; i < passes; i++) {
    const passRandom = random.fork();
    const name: ScenarioName = scenario === 'mixed' ? passRandom.weighted(weights) : scenario;
    const definition = SCENARIOS[name];
    const candidates = definition.kinds.flatMap((kind) => campaignsByKind.get(kind) ?? []);
    const campaign = passRandom.pick(candidates);
    const createdAtMs = startMs + passRandom.int(0, windowSeconds) * 1000;
    const pass = new PassLifecycle({ random: passRandom, campaign, createdAtMs, pushes: withPushes });
    definition.live(pass, passRandom);
    pass.finish();
    lifecycles.push(pass);
  }

  const ordered = lifecycles.flatMap((pass, passIndex) =>
    pass.events.map((event, eventIndex) => ({ event, at: parseInstant(event.event_at), passIndex, eventIndex })),
  );
  ordered.sort((a, b) => a.at - b.at || a.passIndex - b.passIndex || a.eventIndex - b.eventIndex);
  return {
    seed,
    scenario,
    campaigns,
    events: ordered.map(({ event }) => event),
    truth: lifecycles.map((pass) => truthOf(pass.events, pass.registrations)),
  };
}

/** The events as NDJSON (one JSON document a line, newline-terminated): fixtures for a user's tests. */
export function toNdjson(events: readonly PassEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}
