import type { Request } from 'express';
import { parseInstant } from '@passworks-webhooks/core';
import { invalidRequest } from './send-error.js';

/** Parses one query parameter's text, or throws `invalid_request` naming it. */
export type ParamParser<T> = (name: string, value: string) => T;

type Parsed<S extends Record<string, ParamParser<unknown>>> = { [K in keyof S]?: ReturnType<S[K]> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A date-time without seconds (`2026-03-01T09:00Z`, the inspector's placeholder): its date, hour and minute, and its offset. */
const WITHOUT_SECONDS = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2})([Zz]|[+-]\d{2}:\d{2})$/;

/** The query spec of a route that takes no parameters. */
export const NO_PARAMETERS: Record<string, ParamParser<unknown>> = Object.freeze({});

/** Query parameter parsers shared by the routes. */
export const param = {
  uuid: ((name, value) => {
    if (!UUID.test(value)) throw invalidRequest(name, 'a UUID', value);
    return value.toLowerCase();
  }) satisfies ParamParser<string>,
  text: ((name, value) => {
    if (value.length === 0 || value.length > 200) throw invalidRequest(name, 'a non-empty string of at most 200 characters', value);
    return value;
  }) satisfies ParamParser<string>,
  /**
   * A date-time as epoch ms, read by core's `parseInstant` as the webhook reads `event_at` (RFC 3339, an offset required,
   * a leap second `23:59:60` is `23:59:59.999...Z`), its seconds optional; or a date, its 00:00 UTC.
   */
  instant: ((name, value) => {
    const text = DAY.test(value) ? `${value}T00:00:00Z` : value.replace(WITHOUT_SECONDS, '$1:00$2');
    const instant = parseInstant(text);
    if (instant === undefined) throw invalidRequest(name, 'a date such as 2026-03-01 or an RFC 3339 date-time such as 2026-03-01T09:00:00Z', value);
    return instant.ms;
  }) satisfies ParamParser<number>,
  boolean: ((name, value) => {
    if (value !== 'true' && value !== 'false') throw invalidRequest(name, 'true or false', value);
    return value === 'true';
  }) satisfies ParamParser<boolean>,
  integer:
    (min: number, max: number): ParamParser<number> =>
    (name, value) => {
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw invalidRequest(name, `an integer from ${min} to ${max}`, value);
      return n;
    },
  string: ((_name, value) => value) satisfies ParamParser<string>,
  /** One of `values`. */
  oneOf:
    <V extends string>(values: readonly V[]): ParamParser<V> =>
    (name, value) => {
      if (!(values as readonly string[]).includes(value)) throw invalidRequest(name, `one of ${values.join(', ')}`, value);
      return value as V;
    },
};

/**
 * Reads the query string against `spec`: every parameter must be known,
 * given once, and parse; otherwise `invalid_request` names it. Every read
 * route reads its query through here, a route without parameters with
 * {@link NO_PARAMETERS}, so an unknown one is refused on every route alike.
 */
export function readQuery<S extends Record<string, ParamParser<unknown>>>(req: Request, spec: S): Parsed<S> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    // Own keys only: `__proto__` or `toString` would otherwise find Object.prototype's members (500, or a silent pass).
    const parse = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (parse === undefined) {
      const known = Object.keys(spec);
      throw invalidRequest('query', known.length === 0 ? 'no query parameters on this route' : `one of ${known.join(', ')}`, name);
    }
    if (typeof value !== 'string') throw invalidRequest(name, 'a single value', value);
    result[name] = parse(name, value);
  }
  return result as Parsed<S>;
}
