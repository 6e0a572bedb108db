import type { Request } from 'express';
import { invalidRequest } from './send-error.js';

/** Parses one query parameter's text, or throws `invalid_request` naming it. */
export type ParamParser<T> = (name: string, value: string) => T;

type Parsed<S extends Record<string, ParamParser<unknown>>> = { [K in keyof S]?: ReturnType<S[K]> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Whether the `YYYY-MM-DD` the value starts with is a day of its month: Date.parse reads 2026-02-30 as March 2. */
function isCalendarDate(value: string): boolean {
  const [year = 0, month = 0, day = 0] = value.slice(0, 10).split('-').map(Number);
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

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
  /** An ISO 8601 date or date-time, as epoch ms. */
  instant: ((name, value) => {
    const ms = Date.parse(value);
    if (!DATE_TIME.test(value) || Number.isNaN(ms) || !isCalendarDate(value))
      throw invalidRequest(name, 'an ISO 8601 date-time such as 2026-03-01T09:00:00Z', value);
    return ms;
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
 * given once, and parse; otherwise `invalid_request` names it.
 */
export function readQuery<S extends Record<string, ParamParser<unknown>>>(req: Request, spec: S): Parsed<S> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    // Own keys only: `__proto__` or `toString` would otherwise find Object.prototype's members (500, or a silent pass).
    const parse = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (parse === undefined) throw invalidRequest('query', `one of ${Object.keys(spec).join(', ')}`, name);
    if (typeof value !== 'string') throw invalidRequest(name, 'a single value', value);
    result[name] = parse(name, value);
  }
  return result as Parsed<S>;
}
