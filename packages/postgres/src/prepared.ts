import type pg from 'pg';

const names = new Map<string, string>();

/**
 * A statement as a named query: node-postgres prepares it once per
 * connection (parse and plan) and after that sends only its name and
 * values, so a statement run per event costs the server no parse or
 * planning. The name follows the text, so one text is one name on every
 * connection. (Behind PgBouncer in transaction mode, use version 1.21 or
 * later with `max_prepared_statements` set.)
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `passworks_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text, values };
}
