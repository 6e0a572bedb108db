import { PassworksWebhookError } from '@passworks-webhooks/core';

/** A plain SQL identifier: letters, digits, underscores, at most 63 bytes (PostgreSQL's limit). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A schema-qualified table: its parts as given and the quoted SQL name. */
export interface TableName {
  readonly schema: string;
  readonly table: string;
  /** `"schema"."table"`, safe to put in SQL text. */
  readonly sql: string;
}

/**
 * Checks `schema` and `table` are plain SQL identifiers (letters, digits,
 * underscores, at most 63 bytes: PostgreSQL's limit) and quotes them.
 * Throws `invalid_config` naming the option otherwise.
 */
export function tableName(schema: string, table: string): TableName {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new PassworksWebhookError('invalid_config', `schema: expected an SQL identifier, got ${JSON.stringify(schema)}`);
  }
  if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
    throw new PassworksWebhookError('invalid_config', `tableName: expected an SQL identifier, got ${JSON.stringify(table)}`);
  }
  return { schema, table, sql: `"${schema}"."${table}"` };
}
