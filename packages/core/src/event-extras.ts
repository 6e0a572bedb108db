import Type, { type Static } from 'typebox';
import type { ValidationIssue } from './errors.js';
import type { EventName } from './event-names.js';
import { EventExtra } from './pass-event.js';

/**
 * The events about one device registration, which is what Apple's PassKit web
 * service maps onto them: a device registering for updates (`installed`),
 * getting the latest pass (`fetched`), unregistering (`uninstalled`). Each
 * names its registration in `event_extra.registration_id`; a reinstall is a
 * new registration.
 */
export const DEVICE_EVENT_NAMES = ['installed', 'fetched', 'uninstalled'] as const satisfies readonly EventName[];

/** One of {@link DEVICE_EVENT_NAMES}. */
export type DeviceEventName = (typeof DEVICE_EVENT_NAMES)[number];

const deviceEvents: ReadonlySet<string> = new Set(DEVICE_EVENT_NAMES);

/** Whether `name` is a device event (`installed`, `fetched`, `uninstalled`). */
export function isDeviceEventName(name: string): name is DeviceEventName {
  return deviceEvents.has(name);
}

/**
 * `event_extra` of a device event: the registration is always there; the
 * device fields (`device_os`, `device_app_vendor`, `wallet_type`, `ip`,
 * `pass_id`) stay optional, since the platform's documentation shows them in
 * an example only (a Google-hosted pass, for one, has no device address).
 * Unknown fields are kept.
 */
export const DeviceEventExtra = Type.Intersect(
  [EventExtra, Type.Object({ registration_id: Type.String({ minLength: 1, description: 'the device registration (a non-empty string)' }) })],
  { description: 'extra arguments of a device event (an object with registration_id)' },
);
export type DeviceEventExtra = Static<typeof DeviceEventExtra>;

/**
 * What `event_extra` carries on event `N`: {@link DeviceEventExtra} on
 * `installed`, `fetched` and `uninstalled`; the general {@link EventExtra}
 * (every known field optional) on `created`, `downloaded` and `redeemed`,
 * of which the platform documents no extra arguments.
 * @example const extra: EventExtraOf<'installed'> = event.event_extra; // extra.registration_id: string
 */
export type EventExtraOf<N extends EventName> = N extends DeviceEventName ? DeviceEventExtra : EventExtra;

/** The answer for a valid event, shared: every delivery asks. */
const NO_ISSUES: readonly ValidationIssue[] = Object.freeze([]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The per-event requirements the common schema does not express: a device
 * event without `event_extra.registration_id`. Types of fields that are
 * present are the common schema's concern, so a value it rejects for them
 * gets no second issue here; any other value, and every optional field
 * missing, gets none.
 */
export function eventExtraIssues(value: unknown): readonly ValidationIssue[] {
  if (!isRecord(value) || typeof value.event !== 'string' || !isDeviceEventName(value.event)) return NO_ISSUES;
  const extra = value.event_extra;
  if (!isRecord(extra) || extra.registration_id !== undefined) return NO_ISSUES;
  return [
    {
      path: '$.event_extra.registration_id',
      message: `is required on ${value.event} events: expected the device registration (a non-empty string)`,
    },
  ];
}
