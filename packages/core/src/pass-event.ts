import Type, { type Static } from 'typebox';
import type { EventExtraOf } from './event-extras.js';
import { EVENT_NAMES, type EventName } from './event-names.js';

const Uuid = (description: string) => Type.String({ format: 'uuid', description: `${description} (a UUID)` });
const DateTime = (description: string) => Type.String({ format: 'date-time', description: `${description} (an RFC 3339 date-time)` });
const NullableDateTime = (description: string) =>
  Type.Union([DateTime(description), Type.Null()], { description: `${description} (an RFC 3339 date-time or null)` });

/**
 * `event_extra`: the event's extra arguments. What is known is described;
 * anything else the platform adds is kept.
 */
export const EventExtra = Type.Intersect(
  [
    Type.Object({
      pass_id: Type.Optional(Uuid('the pass the event is about')),
      registration_id: Type.Optional(Type.String({ minLength: 1, description: 'the device registration (a non-empty string)' })),
      device_os: Type.Optional(Type.String({ description: 'the device OS: ios, android, wp (a string)' })),
      device_app_vendor: Type.Optional(
        Type.String({ description: 'the wallet app: passbook, google_wallet, wallet_passes, passworks_wallet, pass2u, passwallet (a string)' }),
      ),
      wallet_type: Type.Optional(Type.String({ description: 'the wallet type, e.g. apple_wallet (a string)' })),
      ip: Type.Optional(Type.String({ description: 'the client address (a string)' })),
    }),
    Type.Record(Type.String(), Type.Unknown()),
  ],
  { description: 'extra event arguments (an object)' },
);
export type EventExtra = Static<typeof EventExtra>;

/** Every field of the platform document but `event`: shared by known and unknown events. */
const commonFields = {
  context: Type.String({ description: 'the event context, "pass" so far (a string)' }),
  campaign_id: Uuid('the campaign'),
  distribution_id: Uuid('the distribution'),
  pass_id: Uuid('the pass'),
  voided: Type.Boolean({ description: 'whether the pass is voided (a boolean)' }),
  serial_number: Uuid('the pass serial number'),
  redeemed_count: Type.Integer({ minimum: 0, description: 'times redeemed (an integer >= 0)' }),
  redeemed_at: NullableDateTime('the last redeem'),
  created_at: DateTime('when the pass was created'),
  updated_at: DateTime('when the pass was last updated'),
  last_fetched_at: NullableDateTime('the last device fetch'),
  event_at: DateTime('when the event happened'),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'pass metadata (an object)' }),
  event_extra: EventExtra,
};

/** The event-name schema: a union of the documented names. */
export const EventNameSchema = Type.Enum(EVENT_NAMES, { description: `the event name: one of ${EVENT_NAMES.join(', ')}` });

/**
 * A pass event as the platform documents it (one of the six names). This is
 * the schema users can publish: see {@link passEventJsonSchema}.
 */
export const PassEvent = Type.Object(
  { event: EventNameSchema, ...commonFields },
  {
    additionalProperties: true,
    title: 'Passworks pass event',
    description: 'One pass event, POSTed by Passworks to the webhook URL.',
  },
);
export type PassEvent = Static<typeof PassEvent>;

/**
 * What validation accepts: the common fields with any non-empty event name.
 * Events whose name is not in `EVENT_NAMES` are unknown events.
 */
export const AnyPassEvent = Type.Object(
  { event: Type.String({ minLength: 1, description: 'the event name (a non-empty string)' }), ...commonFields },
  { additionalProperties: true },
);
export type AnyPassEvent = Static<typeof AnyPassEvent>;

/** A pass event narrowed to one event name and its `event_extra` ({@link EventExtraOf}): `PassEventOf<'installed'>`. */
export type PassEventOf<N extends EventName> = PassEvent & { readonly event: N; readonly event_extra: EventExtraOf<N> };

/** An event whose name is not one of the documented six. */
export type UnknownPassEvent = AnyPassEvent;

/**
 * The JSON Schema (draft 2020-12) of a known pass event, as a plain JSON
 * value a user can publish or feed to another validator.
 * @example writeFileSync('pass-event.schema.json', JSON.stringify(passEventJsonSchema(), null, 2))
 */
export function passEventJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://passworks-webhooks.dev/schema/pass-event.json',
    ...(JSON.parse(JSON.stringify(PassEvent)) as Record<string, unknown>),
  };
}
