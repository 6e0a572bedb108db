/** The main relay check with the receiver on PostgreSQL (a fresh database; skipped outside CI without a server). */
import t from 'tap';
import { openTestDatabase } from '@passworks-webhooks/postgres/testing';
import { relaysExactly } from './relays-exactly.js';

const database = await openTestDatabase();
if ('skip' in database) {
  t.skip(database.skip, () => undefined);
} else {
  t.teardown(() => database.drop());
  t.test('relays every event byte-identical with its headers, in per-pass order, one line each (PostgreSQL)', (t) => relaysExactly(t, database.connectionString));
}
