/**
 * Where both stores find an event's idempotency key done: its `events` row
 * (the unique key), so the recorder's transaction is the done mark and no
 * mark of the store's is written per event.
 */
export const HANDLED_BY = { table: 'events', column: 'idempotency_key' } as const;
