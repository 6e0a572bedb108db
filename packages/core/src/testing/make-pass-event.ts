import { randomUUID } from 'node:crypto';
import type { PassEvent } from '../pass-event.js';

/**
 * A valid `installed` pass event with fresh ids, for tests; `overrides`
 * replace any field (including with invalid values, to test rejections).
 * @example const event = makePassEvent({ event: 'redeemed', redeemed_count: 1 });
 */
export function makePassEvent(overrides: Partial<Record<keyof PassEvent, unknown>> & Record<string, unknown> = {}): PassEvent {
  const passId = randomUUID();
  return {
    event: 'installed',
    context: 'pass',
    campaign_id: randomUUID(),
    distribution_id: randomUUID(),
    pass_id: passId,
    voided: false,
    serial_number: randomUUID(),
    redeemed_count: 0,
    redeemed_at: null,
    created_at: '2026-03-01T09:00:00Z',
    updated_at: '2026-03-01T09:00:01Z',
    last_fetched_at: null,
    event_at: '2026-03-01T09:05:00Z',
    metadata: {},
    event_extra: {
      pass_id: passId,
      registration_id: randomUUID(),
      device_os: 'ios',
      device_app_vendor: 'passbook',
      wallet_type: 'apple_wallet',
      ip: '203.0.113.7',
    },
    ...overrides,
  } as PassEvent;
}
