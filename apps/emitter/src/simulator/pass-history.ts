import type { EventName, PassEvent } from '@passworks-webhooks/core';
import type { Seed } from '../random/create-random.js';
import type { ScenarioChoice } from './scenarios.js';
import { simulate } from './simulate.js';

/** Options of {@link passHistoryUntil}. */
export interface PassHistoryOptions {
  readonly seed: Seed;
  /** @default 'mixed' */
  readonly scenario?: ScenarioChoice;
  /** The simulated clock's start. @default simulate's */
  readonly startAt?: string | undefined;
}

const PASSES_SEARCHED = 50;

/**
 * One simulated pass's events up to and including its first `event`: the
 * event with the history that puts its pass in the right state before it
 * (a `redeemed` comes after `created`, `downloaded`, `installed`...), in
 * `event_at` order. Undefined when no pass of the scenario has such an event
 * (a Google Pay offer is never `downloaded`).
 * @example const history = passHistoryUntil('redeemed', { seed: 7 }); // [created, downloaded, ..., redeemed]
 */
export function passHistoryUntil(event: EventName, { seed, scenario = 'mixed', startAt }: PassHistoryOptions): PassEvent[] | undefined {
  const { events } = simulate({ seed, passes: PASSES_SEARCHED, scenario, ...(startAt === undefined ? {} : { startAt }) });
  const target = events.find((candidate) => candidate.event === event);
  if (target === undefined) return undefined;
  const history = events.filter((candidate) => candidate.pass_id === target.pass_id);
  return history.slice(0, history.indexOf(target) + 1);
}
