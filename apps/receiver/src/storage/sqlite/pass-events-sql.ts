/**
 * SQLite's `WHERE` terms for one pass's events, served by the events' unique
 * key index instead of an index on `pass_id` of their own (dropped in
 * migration 11: one random-key index fewer to write per stored event, about
 * a third of the SQLite record path's CPU, issue 19). Every key is core's
 * default key, `<pass_id>:<event>:<event_at>` with the lower-case `pass_id`
 * the column holds (`recordEvent` refuses any other), so a pass's events are
 * exactly the keys from `<pass_id>:` to `<pass_id>;` in byte order (`;`
 * follows `:`). `pass` is the placeholder of the pass id (a named one), or
 * a function giving one each time it is called (`?`, bound again each time).
 */
export const passEventsSql = (pass: string | (() => string)): string => {
  const at = typeof pass === 'string' ? () => pass : pass;
  return `pass_id = ${at()} AND idempotency_key > ${at()} || ':' AND idempotency_key < ${at()} || ';'`;
};

/** The events' unique key index (SQLite's name for the `UNIQUE` of `idempotency_key`): a pass's page reads it whatever other filter is set. */
export const PASS_EVENTS_INDEX = 'sqlite_autoindex_events_1';

/** Whether `idempotencyKey` names an event of `passId` the way {@link passEventsSql} finds it. */
export const isPassKey = (idempotencyKey: string, passId: string): boolean =>
  idempotencyKey.length > passId.length && idempotencyKey.startsWith(passId) && idempotencyKey.charCodeAt(passId.length) === 58; // ':'
