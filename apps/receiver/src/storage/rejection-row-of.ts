import type { ValidationIssue } from '@passworks-webhooks/core';
import type { RejectionRow } from './storage.js';

/** A `rejections` row as the driver returns it: node-postgres gives bigints as strings, and `issues` is JSON text. */
export type StoredRejectionRow = Omit<RejectionRow, 'id' | 'received_at' | 'issues'> & {
  readonly id: number | string;
  readonly received_at: number | string;
  readonly issues: string | null;
};

/**
 * A `rejections` row as read from either database: `issues` parsed, id and time as numbers.
 * @example rows.map(rejectionRowOf)
 */
export function rejectionRowOf(row: StoredRejectionRow): RejectionRow {
  return {
    ...row,
    id: Number(row.id),
    received_at: Number(row.received_at),
    issues: row.issues === null ? null : (JSON.parse(row.issues) as ValidationIssue[]),
  };
}
