/** The `passes` columns a pass upsert writes, in table order (the projection's state and the last time one of its events arrived). */
export const PASS_COLUMN_NAMES = [
  'pass_id',
  'campaign_id',
  'distribution_id',
  'serial_number',
  'created_at',
  'updated_at',
  'voided',
  'redeemed_count',
  'redeemed_at',
  'last_fetched_at',
  'last_event',
  'last_event_at',
  'last_sort_key',
  'event_count',
  'installed_devices',
  'registrations',
  'metadata',
  'last_received_at',
] as const;

/**
 * The `ON CONFLICT` clause of a pass upsert, the same in both dialects but
 * for the name of their two-argument maximum (`greatest`: `max` on SQLite,
 * `GREATEST` on PostgreSQL): every column from the new state, and the later
 * of the two `last_received_at` (an older event projected again never moves
 * it back).
 */
export const passUpsertConflictSql = (greatest: 'max' | 'GREATEST'): string =>
  `ON CONFLICT (pass_id) DO UPDATE SET ${PASS_COLUMN_NAMES.filter((name) => name !== 'pass_id' && name !== 'last_received_at')
    .map((name) => `${name} = excluded.${name}`)
    .join(', ')}, last_received_at = ${greatest}(passes.last_received_at, excluded.last_received_at)`;
