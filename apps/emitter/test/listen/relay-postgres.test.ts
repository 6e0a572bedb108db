/** The relay and filter checks with the receiver on PostgreSQL, a fresh database each (no server outside CI: no tests, and why). */
import t from 'tap';
import { onPostgres } from './listen-harness.js';
import { filtersHold, relaysExactly } from './relays-exactly.js';

await onPostgres(t, {
  'relays every event byte-identical with its headers, in per-pass order, one line each': relaysExactly,
  'filters: --event (two names) and --pass-id only print matching events (a tail, --json)': filtersHold,
});
