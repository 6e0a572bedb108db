import { EVENT_NAMES } from '@passworks-webhooks/core';
import { SCENARIO_NAMES } from '../simulator/scenarios.js';

/** The help of each command, with examples. */
export const HELP = {
  main: `passworks-emitter: a mock Passworks platform for development and CI

Usage: passworks-emitter <command> [flags]

Commands:
  run          simulate passes and deliver their events to a URL, with faults; exit 1 if the endpoint misbehaves
  generate     print simulated events as NDJSON (fixtures for your own tests)
  replay       send the events of an NDJSON file (generate's output, the receiver's export) to a URL
  trigger      send one realistic event of a new pass, after the events it needs before it
  conformance  run a fixed battery of requests against an endpoint; pass/fail table
  verify       compare the reference receiver's state with a run report's ground truth
  listen       relay a deployed receiver's events to a local URL (or print them), resumable and in order

Run "passworks-emitter <command> --help" for a command's flags and examples.

Exit codes: 0 all good, 1 the endpoint misbehaved (or differences found), 2 bad command line or unreadable input.
The API key may come from PASSWORKS_API_KEY instead of --api-key, and verify's admin token from
ADMIN_TOKEN (the receiver's name) instead of --admin-token (verify and listen); neither is printed or written to a report.
`,
  run: `Usage: passworks-emitter run --url URL --api-key KEY [flags]

Simulates passes on a seeded clock and POSTs every event to URL the way a
real sender does: raw key in Authorization, bounded concurrency and rate,
a timeout per attempt, retries with exponential backoff and jitter on
non-2xx and timeouts, and the faults you ask for. Faulty versions (bad body,
bad key, oversized) are sent once and must be rejected with a 4xx; the
valid version follows. Exits 1 when a valid, authentic event was finally
not accepted, or a faulty delivery was accepted.

Flags:
  --url URL            webhook URL (required)
  --api-key KEY        the key your endpoint expects (default: $PASSWORKS_API_KEY)
  --seed N             simulation and fault seed (default 1)
  --passes N           passes to simulate (default 100)
  --scenario NAME      mixed or one of: ${SCENARIO_NAMES.join(', ')} (default mixed)
  --start ISO          simulated clock start (default 2026-03-02T09:00:00Z)
  --concurrency N      requests in flight (default 16)
  --rate N             request starts per second, 0 = unlimited (default 0)
  --duplicates R       share of events delivered twice, half of them concurrently (default 0)
  --reorder R          share of events delivered after the next event of their pass (default 0)
  --invalid R          share of events first sent malformed or schema-invalid (default 0)
  --bad-auth R         share of events first sent with a wrong or missing key (default 0)
  --oversized R        share of events first sent padded past 1 MiB (default 0)
  --spellings R        share of deliveries with event_at spelt ...06.000Z or ...06.000+00:00 (default 0)
  --timeout-ms N       per-attempt timeout (default 10000)
  --max-retries N      retries of a valid delivery (default 5)
  --backoff-ms N       first retry delay, doubling with jitter (default 500)
  --time-scale X       multiply every retry wait, e.g. 0.1 in CI (default 1)
  --report FILE        write the full report (deliveries, summary, ground truth) as JSON
  --json               print the summary as JSON instead of text
  -h, --help           this help

Examples:
  passworks-emitter run --url http://localhost:3000/webhooks/passworks --api-key "$KEY"
  passworks-emitter run --url http://localhost:3000/webhooks/passworks --passes 500 \\
    --duplicates 0.1 --reorder 0.1 --invalid 0.02 --bad-auth 0.01 --report run.json
  PASSWORKS_API_KEY=secret passworks-emitter run --url http://127.0.0.1:8080/webhooks/passworks --json
`,
  generate: `Usage: passworks-emitter generate [flags]

Prints simulated pass events as NDJSON (one event a line, in event_at order).
The same seed and flags give byte-identical output.

Flags:
  --seed N          seed (default 1)
  --passes N        passes to simulate (default 10)
  --scenario NAME   mixed or one of: ${SCENARIO_NAMES.join(', ')} (default mixed)
  --start ISO       simulated clock start (default 2026-03-02T09:00:00Z)
  --json            print one JSON document { seed, scenario, campaigns, events, truth } instead
  -h, --help        this help

Examples:
  passworks-emitter generate --seed 42 --passes 20 > test/fixtures/events.ndjson
  passworks-emitter generate --scenario single-use-coupon --passes 1
`,
  replay: `Usage: passworks-emitter replay --from FILE --url URL --api-key KEY [flags]

Sends every event of an NDJSON file to URL, in file order, the way run sends
(raw key in Authorization, bounded concurrency and rate, a timeout per attempt,
retries with backoff and jitter honouring Retry-After). FILE is generate's
output (one event a line) or the reference receiver's export
(GET /api/export/events.ndjson: the event under "payload" of each line).
Exits 1 when an event was finally not accepted (2xx), 2 when FILE cannot be
read or a line is not JSON or not a Passworks event (the message names the line).

Flags:
  --from FILE          the NDJSON file (required)
  --url URL            webhook URL (required)
  --api-key KEY        the key your endpoint expects (default: $PASSWORKS_API_KEY)
  --concurrency N      requests in flight (default 16; 1 sends one at a time)
  --rate N             request starts per second, 0 = unlimited (default 0)
  --timeout-ms N       per-attempt timeout (default 10000)
  --max-retries N      retries of an event not accepted (default 5)
  --backoff-ms N       first retry delay, doubling with jitter (default 500)
  --time-scale X       multiply every retry wait, e.g. 0.1 in CI (default 1)
  --json               print the summary as JSON instead of text
  -h, --help           this help

Examples:
  passworks-emitter generate --seed 42 --passes 20 > events.ndjson
  passworks-emitter replay --from events.ndjson --url http://localhost:3000/webhooks/passworks --rate 20
  curl -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:3000/api/export/events.ndjson?since=2026-03-01" > export.ndjson
  PASSWORKS_API_KEY=app-key passworks-emitter replay --from export.ndjson --url http://localhost:4000/webhooks/passworks
`,
  trigger: `Usage: passworks-emitter trigger <event> --url URL --api-key KEY [flags]

Sends one realistic <event> (${EVENT_NAMES.join(', ')}) of a new simulated pass, dated
now (or --at), after the events that put the pass in the state it needs, as
the platform would have sent them: "trigger redeemed" sends created,
downloaded, installed... (dated before it) and then redeemed, so a handler
that looks the pass up finds it. They go one at a time, in event_at order,
each retried like run's. Prints each with its answer as it comes; exits 1 if
one was finally not accepted (the rest are not sent).

Flags:
  --url URL            webhook URL (required)
  --api-key KEY        the key your endpoint expects (default: $PASSWORKS_API_KEY)
  --seed N             which pass (default: random, so each trigger is a new pass)
  --scenario NAME      mixed or one of: ${SCENARIO_NAMES.join(', ')} (default mixed)
  --at ISO             when <event> happens, to the second, e.g. 2026-03-02T09:00:00Z
                       (default: now; the events before it keep their spacing)
  --timeout-ms N       per-attempt timeout (default 10000)
  --max-retries N      retries of an event not accepted (default 5)
  --backoff-ms N       first retry delay, doubling with jitter (default 500)
  --time-scale X       multiply every retry wait, e.g. 0.1 in CI (default 1)
  --json               print what was sent as JSON
  -h, --help           this help

Examples:
  passworks-emitter trigger redeemed --url http://localhost:3000/webhooks/passworks
  passworks-emitter trigger installed --scenario loyalty-two-devices --url http://localhost:3000/webhooks/passworks --json
  passworks-emitter trigger redeemed --at 2026-03-02T09:00:00Z --seed 7 --url http://localhost:3000/webhooks/passworks
`,
  conformance: `Usage: passworks-emitter conformance --url URL --api-key KEY [flags]

Sends a fixed battery to URL, one request at a time, and prints expected vs
got. Expected answers (design.md, widened for your own endpoints):
  valid event, duplicate, other event_at spelling, unknown event name  2xx
    (a JSON answer with "duplicate": false to a repeat fails)
  wrong key, missing key                                               401 or 403
  malformed JSON                                                       400
  schema-invalid event                                                 400 or 422
  Content-Type text/plain                                              400 or 415
  body over 1 MiB                                                      413
  GET                                                                  404 or 405
Exits 1 if any case fails.

Flags:
  --url URL        webhook URL (required)
  --api-key KEY    the key your endpoint expects (default: $PASSWORKS_API_KEY)
  --timeout-ms N   per-request timeout (default 10000)
  --seed N         seed of the test event (default: random, so the valid event is new)
  --json           print the results as JSON
  -h, --help       this help

Example:
  passworks-emitter conformance --url http://localhost:3000/webhooks/passworks --api-key "$KEY"
`,
  verify: `Usage: passworks-emitter verify --report FILE --receiver URL --admin-token T [flags]

Reads a run report and compares the reference receiver's state of every pass
(redeemed_count, voided, last_fetched_at, live registrations, last event,
events per name) and per-campaign event counts with the ground truth. Lists
every difference; exits 1 if there is any.

Flags:
  --report FILE        a report written by "run --report" (required)
  --receiver URL       the receiver's base URL (required)
  --admin-token T      its admin token (default: $ADMIN_TOKEN; the former
                       PASSWORKS_ADMIN_TOKEN is still read, with a warning)
  --concurrency N      requests in flight (default 8)
  --json               print the result as JSON
  -h, --help           this help

Examples:
  passworks-emitter verify --report run.json --receiver http://127.0.0.1:8080 --admin-token "$ADMIN_TOKEN"
  ADMIN_TOKEN="$TOKEN" passworks-emitter verify --report run.json --receiver http://127.0.0.1:8080
`,
  listen: `Usage: passworks-emitter listen --from URL --admin-token T [--forward-to URL --api-key KEY] [flags]

Follows a deployed receiver's live stream (/api/events/stream) and POSTs each
event's exact stored bytes (/api/events/:id/raw) to --forward-to, with
Authorization: <api key>, Content-Type: application/json; charset=utf-8 and
X-Passworks-Event-Id. Events of one pass go in the receiver's order; one POST
is in flight at a time, and a pass waiting to retry lets the other passes
through. A local app that is down or answers
non-2xx is retried with backoff (honouring Retry-After), its pass reported on
each line, without blocking other passes. An unreachable receiver is retried
with a countdown. Without --forward-to it only prints (a live tail).
Runs until Ctrl-C, which waits for the POST in flight to be answered, saves the
state and exits 0 (a second Ctrl-C quits at once).

Flags:
  --from URL           the receiver's base URL (required)
  --admin-token T      the receiver's ADMIN_TOKEN (or set ADMIN_TOKEN); never printed
  --forward-to URL     where to POST each event (omit: print only)
  --api-key KEY        sent as Authorization to --forward-to (or PASSWORKS_API_KEY)
  --state-file FILE    keeps the place (rewritten atomically after each event,
                       before the next POST); a restart resumes after it: at most
                       the one event in flight at a kill is sent again
  --event a,b          only these event names
  --pass-id ID         only this pass
  --campaign-id ID     only this campaign
  --since-id N         start after event id N (0: every stored event), then live
  --since ISO          start at the stored events whose event time is at or after ISO, then live
  --json               JSON lines {time,id,event,pass_id,status,ms,error,retry_in_ms} instead of text
  --timeout-ms N       how long the local app may take to answer a POST (10000); past it the
                       try fails (timeout) and is retried with backoff

Output (one line per event, and per failed attempt):
  2026-12-07 01:02:03  --> redeemed  pass 6f1c...  #42  <-- [200] 12 ms
  2026-12-07 01:02:04  --> installed  pass 0b7e...  #43  <-- [503] 3 ms  (retry in 2.0 s)

Exit codes: 0 stopped by Ctrl-C; 2 bad flags, a bad URL, a refused admin token
(401), filters the receiver refuses (400), an unwritable --state-file, or a
--forward-to refusing connections at the start (a local app that stops later
in the run is retried).

Examples:
  passworks-emitter listen --from https://receiver.example.com --admin-token "$ADMIN_TOKEN" \\
    --forward-to http://localhost:3000/webhooks/passworks --api-key "$LOCAL_KEY" --state-file .passworks-listen.json
  ADMIN_TOKEN="$TOKEN" passworks-emitter listen --from https://receiver.example.com --event redeemed
`,
} as const;
