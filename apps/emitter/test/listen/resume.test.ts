/** The resume checks of resumes.ts with the receiver on SQLite. */
import t from 'tap';
import { startsLiveAcrossRestart, survivesLocalOutage, survivesReceiverRestart, survivesSigkill } from './resumes.js';

t.test('SIGKILL, events meanwhile, restart with the same state file: every event arrives, at most one repeated', (t) => survivesSigkill(t));
t.test('receiver restart while listen runs: nothing is lost', (t) => survivesReceiverRestart(t));
t.test('the local app answers 503 for a while, then recovers: everything arrives, in per-pass order', (t) => survivesLocalOutage(t));
t.test('started live (no --since-id): a receiver restart before the first event loses nothing sent after the start', (t) => startsLiveAcrossRestart(t));
