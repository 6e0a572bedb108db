import { Writable } from 'node:stream';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import type { Test } from 'tap';
import type { PassEvent } from '@passworks-webhooks/core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { createApp, startReceiver, type AppOptions, type ReceiverApp, type RunningReceiver, type StartReceiverOptions } from '@passworks-webhooks/receiver';

export const API_KEY = 'pk_live_Zq8w-secret-webhook-key-7731';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const WEBHOOK_PATH = '/webhooks/passworks';

/** A receiver listening at 127.0.0.1 on a free port, on a fresh database in the test's dir, logging nothing; closed at teardown. */
export async function listeningReceiver(t: Test, options: Partial<StartReceiverOptions> = {}): Promise<RunningReceiver> {
  const receiver = await startReceiver({
    apiKeys: [API_KEY],
    databasePath: join(t.testdir(), 'receiver.db'),
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
    ...options,
  });
  t.teardown(() => receiver.close());
  return receiver;
}

/** A test app on a fresh database in the test's dir, with its log lines captured; closed at teardown. */
export function testApp(
  t: Test,
  options: Partial<AppOptions> = {},
): { app: ReceiverApp; http: ReturnType<typeof request>; logs: string[]; databasePath: string } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line.length > 0),
      );
      done();
    },
  });
  const databasePath = options.databasePath ?? join(t.testdir(), 'receiver.db');
  const app = createApp({ apiKeys: [API_KEY], adminToken: ADMIN_TOKEN, logger: pino({ level: 'debug' }, sink), ...options, databasePath });
  t.teardown(() => app.close());
  return { app, http: request(app.listener), logs, databasePath };
}

/** POSTs a body (an event, or raw text) as the platform does. */
export function deliver(http: ReturnType<typeof request>, body: PassEvent | Record<string, unknown> | string, key: string = API_KEY): request.Test {
  return http
    .post(WEBHOOK_PATH)
    .set('content-type', 'application/json; charset=utf-8')
    .set('authorization', key)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Waits until `done` holds, looking every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** GETs a read API path with the admin token. */
export function admin(http: ReturnType<typeof request>, path: string): request.Test {
  return http.get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`);
}

/** One step of a pass's life: the event and, for device events, the registration and device. */
export interface Step {
  readonly event: PassEvent['event'] | (string & {});
  readonly registration?: string;
  readonly os?: string;
  readonly wallet?: string;
}

/**
 * The events of one pass living `steps`, consistent as domain.md describes:
 * one minute apart, counts, voided (single use), redeemed_at, last_fetched_at
 * and updated_at moving as the platform moves them.
 */
export function lifecycle(steps: readonly Step[], { singleUse = false, start = Date.UTC(2026, 2, 1, 9) } = {}): PassEvent[] {
  const base = makePassEvent();
  let redeemedCount = 0;
  let redeemedAt: string | null = null;
  let lastFetchedAt: string | null = null;
  let voided = false;
  const createdAt = new Date(start).toISOString();
  return steps.map((step, index) => {
    const at = new Date(start + (index + 1) * 60_000).toISOString();
    if (step.event === 'redeemed') {
      redeemedCount += 1;
      redeemedAt = at;
      if (singleUse) voided = true;
    }
    if (step.event === 'fetched') lastFetchedAt = at;
    const device =
      step.registration === undefined ? {} : { registration_id: step.registration, device_os: step.os ?? 'ios', device_app_vendor: step.wallet ?? 'passbook' };
    return {
      ...base,
      event: step.event,
      created_at: createdAt,
      updated_at: createdAt,
      event_at: at,
      redeemed_count: redeemedCount,
      redeemed_at: redeemedAt,
      last_fetched_at: lastFetchedAt,
      voided,
      event_extra: { pass_id: base.pass_id, ...device, ...(step.registration === undefined ? {} : { ip: '203.0.113.7' }) },
    } as PassEvent;
  });
}

/** Sequence 1 of domain.md: a single-use coupon on an iPhone. */
export const couponSteps = (r1: string = randomUUID()): Step[] => [
  { event: 'created' },
  { event: 'downloaded' },
  { event: 'installed', registration: r1 },
  { event: 'fetched', registration: r1 },
  { event: 'fetched', registration: r1 },
  { event: 'redeemed' },
  { event: 'fetched', registration: r1 },
  { event: 'uninstalled', registration: r1 },
];

/** Sequence 2 of domain.md: a loyalty card on two devices. */
export const loyaltySteps = (r1: string = randomUUID(), r2: string = randomUUID()): Step[] => [
  { event: 'created' },
  { event: 'downloaded' },
  { event: 'installed', registration: r1 },
  { event: 'installed', registration: r2, os: 'android', wallet: 'wallet_passes' },
  { event: 'fetched', registration: r1 },
  { event: 'fetched', registration: r2, os: 'android', wallet: 'wallet_passes' },
  { event: 'redeemed' },
  { event: 'redeemed' },
  { event: 'redeemed' },
  { event: 'uninstalled', registration: r2, os: 'android', wallet: 'wallet_passes' },
];
