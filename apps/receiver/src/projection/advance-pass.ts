import type { UnknownPassEvent } from '@passworks-webhooks/core';
import { applyEvent, type PassState } from './pass-state.js';

/** A new event of a pass with its sort key. */
export interface KeyedEvent {
  readonly event: UnknownPassEvent;
  readonly sortKey: string;
}

/**
 * Moves a pass's state forward by its new events, in the order given, when
 * each one is later than the state's last (the usual case: one fold step per
 * event). Answers `recompute` when one arrived out of order: the caller then
 * projects the pass again from all its stored events (`projectPass`). Pure:
 * the same for every database.
 */
export function advancePass(current: PassState | undefined, events: readonly KeyedEvent[]): PassState | 'recompute' {
  let state = current;
  for (const { event, sortKey } of events) {
    if (state !== undefined && state.last_sort_key >= sortKey) return 'recompute';
    state = applyEvent(state, event);
  }
  return state ?? 'recompute';
}
