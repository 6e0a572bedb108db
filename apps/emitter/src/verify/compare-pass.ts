import { normaliseInstant } from '@passworks-webhooks/core';
import type { PassTruth } from '../simulator/ground-truth.js';
import type { ObservedPass } from './receiver-mapping.js';

/** One difference between the ground truth and the receiver. `pass_id` is null for campaign-level counts. */
export interface Difference {
  readonly pass_id: string | null;
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

const instant = (value: string | null | undefined): string | null | undefined => (typeof value === 'string' ? normaliseInstant(value) : value);

/** Every difference between one pass's truth and what the receiver reports (instants compared as instants). */
export function comparePass(truth: PassTruth, observed: ObservedPass): Difference[] {
  const differences: Difference[] = [];
  const differ = (field: string, expected: unknown, actual: unknown): void => {
    differences.push({ pass_id: truth.pass_id, field, expected, actual: actual === undefined ? 'missing' : actual });
  };
  if (observed.campaign_id !== truth.campaign_id) differ('campaign_id', truth.campaign_id, observed.campaign_id);
  if (observed.redeemed_count !== truth.redeemed_count) differ('redeemed_count', truth.redeemed_count, observed.redeemed_count);
  if (observed.voided !== truth.voided) differ('voided', truth.voided, observed.voided);
  if (instant(observed.last_fetched_at) !== instant(truth.last_fetched_at)) differ('last_fetched_at', truth.last_fetched_at, observed.last_fetched_at);
  if (observed.last_event === undefined) differ('last_event', truth.last_event, undefined);
  else if (observed.last_event.event !== truth.last_event.event || instant(observed.last_event.event_at) !== instant(truth.last_event.event_at)) {
    differ('last_event', truth.last_event, observed.last_event);
  }
  if (observed.registrations === undefined) differ('registrations', truth.registrations, undefined);
  else {
    const seen = new Map(observed.registrations.map((registration) => [registration.registration_id, registration]));
    for (const expected of truth.registrations) {
      const actual = seen.get(expected.registration_id);
      seen.delete(expected.registration_id);
      if (actual === undefined) differ(`registrations[${expected.registration_id}]`, expected, 'not live');
      else if (actual.device_os !== expected.device_os || actual.wallet !== expected.wallet) {
        differ(`registrations[${expected.registration_id}]`, expected, actual);
      }
    }
    for (const extra of seen.values()) differ(`registrations[${extra.registration_id}]`, 'not live', extra);
  }
  if (observed.event_counts === undefined) differ('event_counts', truth.event_counts, undefined);
  else {
    const names = new Set([...Object.keys(truth.event_counts), ...Object.keys(observed.event_counts)]);
    for (const name of [...names].sort()) {
      const expected = (truth.event_counts as Readonly<Record<string, number>>)[name] ?? 0;
      const actual = observed.event_counts[name] ?? 0;
      if (expected !== actual) differ(`event_counts.${name}`, expected, actual);
    }
  }
  return differences;
}
