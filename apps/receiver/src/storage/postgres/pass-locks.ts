/** The advisory locks of these passes: one per pass, taken in sorted order so two transactions never wait on each other in a cycle. */
export const passLocks = (from: string): string => `SELECT pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtextextended('passworks-receiver:pass:' || p, 0) AS h FROM ${from} AS p ORDER BY h
  ) AS locks`;

/** The locks of the passes in `$1` (a text array): every transaction touching a pass's projection holds its lock first, so two instances never compute a pass from the same old state. */
export const LOCK_PASSES = passLocks('unnest($1::text[])');
