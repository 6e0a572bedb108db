import { normaliseInstant, type PassEvent } from '@passworks-webhooks/core';
import { parseInstant } from './timestamps.js';

/**
 * A broken rule of domain.md's "Invariants of a realistic event stream"
 * (`invariant` 1-8), or 0 when two events share `(pass_id, event, event_at)`
 * (a receiver's idempotency would merge them).
 */
export interface InvariantViolation {
  readonly invariant: number;
  readonly pass_id: string;
  readonly message: string;
}

/** Options of {@link checkInvariants}. */
export interface CheckInvariantsOptions {
  /** Campaigns whose passes are single-use (invariant 5). @default none */
  readonly singleUseCampaignIds?: ReadonlySet<string>;
}

const SHARED = ['serial_number', 'campaign_id', 'distribution_id', 'created_at'] as const;

function checkPass(events: readonly PassEvent[], singleUse: boolean, out: InvariantViolation[]): void {
  const first = events[0];
  if (first === undefined) return;
  const passId = first.pass_id;
  const fail = (invariant: number, message: string): void => {
    out.push({ invariant, pass_id: passId, message });
  };
  const keys = new Set<string>();
  const createdAt = parseInstant(first.created_at);
  let previous: PassEvent | undefined;
  let lastRedeemAt: string | null = null;
  let lastFetchAt: string | null = null;
  let redeems = 0;
  let created = 0;
  const registrations = new Map<string, { state: 'live' | 'ended'; signature: string }>();

  events.forEach((event, index) => {
    const at = parseInstant(event.event_at);
    const where = `${event.event} #${index} at ${event.event_at}`;
    const key = `${event.event}:${normaliseInstant(event.event_at)}`;
    if (keys.has(key)) fail(0, `${where}: another ${event.event} has the same event_at`);
    keys.add(key);
    // 1. shared identity
    for (const field of SHARED) if (event[field] !== first[field]) fail(1, `${where}: ${field} ${event[field]} differs from ${first[field]}`);
    if (event.event_extra.pass_id !== event.pass_id) fail(1, `${where}: event_extra.pass_id ${String(event.event_extra.pass_id)} is not pass_id`);
    // 2. created first and once
    if (event.event === 'created') {
      created += 1;
      if (index !== 0) fail(2, `${where}: created is not the first event`);
      if (at < createdAt) fail(2, `${where}: created happens before created_at ${event.created_at}`);
    }
    // 3. updated_at
    if (parseInstant(event.updated_at) < createdAt) fail(3, `${where}: updated_at ${event.updated_at} is before created_at`);
    if (previous !== undefined && parseInstant(event.updated_at) < parseInstant(previous.updated_at))
      fail(3, `${where}: updated_at went back to ${event.updated_at}`);
    // 4. redeem count and redeemed_at
    const before = previous?.redeemed_count ?? 0;
    if (event.event === 'redeemed') {
      redeems += 1;
      lastRedeemAt = event.event_at;
      if (event.redeemed_count !== before + 1) fail(4, `${where}: redeemed_count ${event.redeemed_count} is not ${before + 1}`);
      if (singleUse && redeems > 1) fail(5, `${where}: a single-use pass was redeemed again`);
      if (previous?.voided === true) fail(5, `${where}: a voided pass was redeemed`);
      if (singleUse && !event.voided) fail(5, `${where}: a single-use redeem did not void the pass`);
    } else if (event.redeemed_count !== before) fail(4, `${where}: redeemed_count changed to ${event.redeemed_count} without a redeem`);
    if (event.redeemed_count === 0 ? event.redeemed_at !== null : event.redeemed_at !== lastRedeemAt) {
      fail(4, `${where}: redeemed_at ${String(event.redeemed_at)} is not the latest redeem ${String(lastRedeemAt)}`);
    }
    if (previous?.voided === true && !event.voided) fail(5, `${where}: a voided pass became valid again`);
    // 6. last_fetched_at
    if (event.event === 'fetched') {
      lastFetchAt = event.event_at;
      if (event.last_fetched_at !== event.event_at) fail(6, `${where}: last_fetched_at ${String(event.last_fetched_at)} is not event_at`);
    } else if (event.last_fetched_at !== lastFetchAt)
      fail(6, `${where}: last_fetched_at ${String(event.last_fetched_at)} is not the latest fetch ${String(lastFetchAt)}`);
    if (event.last_fetched_at !== null && parseInstant(event.last_fetched_at) > at) fail(6, `${where}: last_fetched_at is after event_at`);
    // 7. registrations
    const registrationId = event.event_extra.registration_id;
    if (event.event === 'installed' || event.event === 'fetched' || event.event === 'uninstalled') {
      if (registrationId === undefined) fail(7, `${where}: no event_extra.registration_id`);
      else {
        const signature = `${String(event.event_extra.device_os)}/${String(event.event_extra.device_app_vendor)}`;
        const known = registrations.get(registrationId);
        if (event.event === 'installed') {
          if (known !== undefined) fail(7, `${where}: registration ${registrationId} installed twice (a reinstall is a new registration)`);
          registrations.set(registrationId, { state: 'live', signature });
        } else if (known === undefined) fail(7, `${where}: registration ${registrationId} was never installed`);
        else {
          if (known.state === 'ended') fail(7, `${where}: registration ${registrationId} was already uninstalled`);
          if (known.signature !== signature) fail(7, `${where}: registration ${registrationId} changed device from ${known.signature} to ${signature}`);
          if (event.event === 'uninstalled') known.state = 'ended';
        }
      }
    }
    // 8. context and metadata
    if (event.context !== 'pass') fail(8, `${where}: context is ${JSON.stringify(event.context)}`);
    if (event.metadata === null || typeof event.metadata !== 'object' || Array.isArray(event.metadata)) fail(8, `${where}: metadata is not an object`);
    previous = event;
  });
  if (created !== 1) fail(2, `created happens ${created} times`);
}

/**
 * Checks an event stream (any order, any number of passes) against the
 * invariants of domain.md; each pass is checked in `event_at` order. Returns
 * every violation (empty when the stream is realistic).
 * @example
 * const violations = checkInvariants(simulation.events, { singleUseCampaignIds });
 */
export function checkInvariants(events: readonly PassEvent[], { singleUseCampaignIds = new Set() }: CheckInvariantsOptions = {}): InvariantViolation[] {
  const byPass = new Map<string, PassEvent[]>();
  for (const event of events) {
    const list = byPass.get(event.pass_id);
    if (list === undefined) byPass.set(event.pass_id, [event]);
    else list.push(event);
  }
  const violations: InvariantViolation[] = [];
  for (const list of byPass.values()) {
    // Stable sort: events with the same instant keep their given order.
    const ordered = [...list].sort((a, b) => parseInstant(a.event_at) - parseInstant(b.event_at));
    checkPass(ordered, singleUseCampaignIds.has(ordered[0]?.campaign_id ?? ''), violations);
  }
  return violations;
}
