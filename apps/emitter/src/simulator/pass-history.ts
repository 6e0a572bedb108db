import type { EventName, PassEvent } from '@passworks-webhooks/core';
import type { Seed } from '../random/create-random.js';
import type { ScenarioChoice } from './scenarios.js';
import { DEFAULT_START_AT, simulate } from './simulate.js';
import { formatInstant, parseInstant } from './timestamps.js';

/** Options of {@link passHistoryUntil}. */
export interface PassHistoryOptions {
  readonly seed: Seed;
  /** @default 'mixed' */
  readonly scenario?: ScenarioChoice;
  /** The simulated clock's start. @default simulate's */
  readonly startAt?: string | undefined;
  /**
   * When the event happens, in ms since the epoch (to the second): the whole
   * history moves so that the event is dated then, the events before it
   * keeping their spacing. @default where the simulation puts it
   */
  readonly atMs?: number | undefined;
}

const PASSES_SEARCHED = 50;

function historyOf(event: EventName, seed: Seed, scenario: ScenarioChoice, startAt: string): PassEvent[] | undefined {
  const { events } = simulate({ seed, passes: PASSES_SEARCHED, scenario, startAt });
  const target = events.find((candidate) => candidate.event === event);
  if (target === undefined) return undefined;
  const history = events.filter((candidate) => candidate.pass_id === target.pass_id);
  return history.slice(0, history.indexOf(target) + 1);
}

/**
 * One simulated pass's events up to and including its first `event`: the
 * event with the history that puts its pass in the right state before it
 * (a `redeemed` comes after `created`, `downloaded`, `installed`...), in
 * `event_at` order. Undefined when no pass of the scenario has such an event
 * (a Google Pay offer is never `downloaded`). The same options give the same
 * events; with `atMs` the event is dated then.
 * @example const history = passHistoryUntil('redeemed', { seed: 7, atMs: Date.now() }); // [created, downloaded, ..., redeemed now]
 */
export function passHistoryUntil(
  event: EventName,
  { seed, scenario = 'mixed', startAt = DEFAULT_START_AT, atMs }: PassHistoryOptions,
): PassEvent[] | undefined {
  const history = historyOf(event, seed, scenario, startAt);
  const target = history?.at(-1);
  if (atMs === undefined || target === undefined) return history;
  // The simulation runs on whole seconds from its start and depends on no absolute date:
  // started earlier or later by the gap, the same pass has the same events, moved by it.
  const startMs = Math.floor(parseInstant(startAt) / 1000) * 1000;
  const gapMs = Math.floor(atMs / 1000) * 1000 - parseInstant(target.event_at);
  return historyOf(event, seed, scenario, formatInstant(startMs + gapMs));
}
