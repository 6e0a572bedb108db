/** The resume checks of resumes.ts with the receiver on PostgreSQL, a fresh database each (no server outside CI: no tests, and why). */
import t from 'tap';
import { onPostgres } from './listen-harness.js';
import { startsLiveAcrossRestart, survivesLocalOutage, survivesReceiverRestart, survivesSigkill } from './resumes.js';

await onPostgres(t, {
  'SIGKILL, events meanwhile, restart with the same state file: every event arrives, at most one repeated': survivesSigkill,
  'receiver restart while listen runs: nothing is lost': survivesReceiverRestart,
  'the local app answers 503 for a while, then recovers: everything arrives, in per-pass order': survivesLocalOutage,
  'started live (no --since-id): a receiver restart before the first event loses nothing sent after the start': startsLiveAcrossRestart,
});
