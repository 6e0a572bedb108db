import type { PassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { createEventRecorder, type ReceiverApp } from '@passworks-webhooks/receiver';

/** The pass id of prefilled pass `index`; wrk's get-pass.lua builds the same ids. */
export const prefilledPassId = (index: number): string => `ffffffff-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

const LIFECYCLE = ['created', 'downloaded', 'installed', 'fetched', 'fetched', 'fetched', 'fetched', 'fetched', 'redeemed', 'uninstalled'] as const;

/**
 * Stores `passes` passes of 10 events each (a coupon's life: created to
 * uninstalled) straight through the receiver's own recorder, in transactions
 * of 10,000 events: the same rows and projection the webhook path writes,
 * without paying HTTP for the million rows a scale run needs first.
 */
export function prefill(app: ReceiverApp, passes: number): void {
  const record = createEventRecorder(app.db, app.store);
  const base = makePassEvent();
  const start = Date.UTC(2025, 0, 1);
  const batch = app.db.transaction((from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const passId = prefilledPassId(index);
      const createdAt = new Date(start + index * 60_000).toISOString();
      let redeemed = 0;
      LIFECYCLE.forEach((name, step) => {
        const at = new Date(start + index * 60_000 + (step + 1) * 1_000).toISOString();
        if (name === 'redeemed') redeemed = 1;
        const event: PassEvent = {
          ...base,
          event: name,
          pass_id: passId,
          created_at: createdAt,
          updated_at: createdAt,
          event_at: at,
          redeemed_count: redeemed,
          redeemed_at: redeemed ? at : null,
          voided: redeemed === 1,
          last_fetched_at: step >= 3 ? at : null,
          event_extra: { ...base.event_extra, pass_id: passId, registration_id: `reg-${index}` },
        };
        const raw = JSON.stringify(event);
        record(event, `${passId}:${name}:${at}`, raw, Date.now());
      });
    }
  });
  for (let from = 0; from < passes; from += 1_000) batch(from, Math.min(passes, from + 1_000));
}
