/**
 * The six pass events the Passworks platform documents, in lifecycle order.
 * Any other name is an *unknown* event: accepted, and routed to the
 * unknown-event handler (the platform may add names; rejecting them would make
 * it retry forever).
 */
export const EVENT_NAMES = ['created', 'downloaded', 'installed', 'fetched', 'redeemed', 'uninstalled'] as const;

/** One of the documented event names. */
export type EventName = (typeof EVENT_NAMES)[number];

const known: ReadonlySet<string> = new Set(EVENT_NAMES);

/** Whether `name` is one of the documented event names. */
export function isEventName(name: string): name is EventName {
  return known.has(name);
}
