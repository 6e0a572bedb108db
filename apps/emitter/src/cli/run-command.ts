import { writeFile } from 'node:fs/promises';
import { deliver } from '../delivery/deliver.js';
import { createProgressLine } from '../delivery/progress-line.js';
import type { FaultOptions } from '../delivery/plan-deliveries.js';
import { createRunReport, safeTarget, type RunSettings } from '../report/run-report.js';
import { SCENARIO_NAMES, type ScenarioChoice } from '../simulator/scenarios.js';
import { simulate } from '../simulator/simulate.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { numberFlag, parseFlags, ratioFlag, required, seedFlag, text } from './parse-flags.js';
import { apiKeyOf } from './api-key-of.js';

const FLAGS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  seed: { type: 'string' },
  passes: { type: 'string' },
  scenario: { type: 'string' },
  start: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  duplicates: { type: 'string' },
  reorder: { type: 'string' },
  invalid: { type: 'string' },
  'bad-auth': { type: 'string' },
  oversized: { type: 'string' },
  spellings: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-retries': { type: 'string' },
  'backoff-ms': { type: 'string' },
  'time-scale': { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Reads a scenario flag. */
export function scenarioFlag(values: Record<string, string | boolean | undefined>): ScenarioChoice {
  const scenario = text(values, 'scenario') ?? 'mixed';
  if (scenario !== 'mixed' && !(SCENARIO_NAMES as readonly string[]).includes(scenario)) {
    throw new UsageError(`--scenario: expected mixed or one of ${SCENARIO_NAMES.join(', ')}, got ${JSON.stringify(scenario)}`);
  }
  return scenario as ScenarioChoice;
}

/** `passworks-emitter run`. */
export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, FLAGS);
  const url = required(values, 'url');
  const apiKey = apiKeyOf(values, io);
  const seed = seedFlag(values, 1);
  const passes = numberFlag(values, 'passes', 100, { min: 1, max: 1_000_000 });
  const scenario = scenarioFlag(values);
  const faults: FaultOptions = {
    duplicates: ratioFlag(values, 'duplicates'),
    reorder: ratioFlag(values, 'reorder'),
    invalid: ratioFlag(values, 'invalid'),
    badAuth: ratioFlag(values, 'bad-auth'),
    oversized: ratioFlag(values, 'oversized'),
    spellings: ratioFlag(values, 'spellings'),
  };
  const settings: RunSettings = {
    target: safeTarget(url),
    seed,
    passes,
    scenario,
    concurrency: numberFlag(values, 'concurrency', 16, { min: 1, max: 10_000 }),
    rate_per_second: numberFlag(values, 'rate', 0, { min: 0, max: 1_000_000, integer: false }),
    timeout_ms: numberFlag(values, 'timeout-ms', 10_000, { min: 1 }),
    max_retries: numberFlag(values, 'max-retries', 5, { min: 0, max: 100 }),
    faults,
  };
  const start = text(values, 'start');
  let simulation;
  try {
    simulation = simulate({ seed, passes, scenario, ...(start === undefined ? {} : { startAt: start }) });
    // Fail on a bad URL before anything is sent.
    if (settings.target === '[invalid url]') throw new RangeError(`--url: expected an http(s) URL, got ${JSON.stringify(url)}`);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const progress = createProgressLine(io.stderr, io.env);
  const result = await deliver({
    target: url,
    apiKey,
    events: simulation.events,
    faults,
    seed,
    concurrency: settings.concurrency,
    ratePerSecond: settings.rate_per_second,
    timeoutMs: settings.timeout_ms,
    maxRetries: settings.max_retries,
    backoffBaseMs: numberFlag(values, 'backoff-ms', 500, { min: 0 }),
    timeScale: numberFlag(values, 'time-scale', 1, { min: 0, max: 1000, integer: false }),
    onProgress: progress.update,
  });
  progress.end();
  const report = createRunReport(settings, simulation, result);
  const reportFile = text(values, 'report');
  if (reportFile !== undefined) await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  const failures = result.deliveries.filter((delivery) => !delivery.ok);
  const { summary } = result;
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ ok: result.ok, settings, summary, report: reportFile ?? null, failures: failures.slice(0, 100) }, null, 2)}\n`);
  } else {
    const rejected = Object.entries(summary.rejected_by_status).map(([status, count]) => `${status}:${count}`).join(' ') || 'none';
    io.stdout.write(
      [
        `passworks-emitter run: ${simulation.events.length} events of ${passes} passes (seed ${String(seed)}, ${scenario}) -> ${settings.target}`,
        `sent ${summary.sent} · accepted ${summary.accepted} · duplicates ${summary.duplicates} · rejected ${rejected} · retried ${summary.retried} · failed ${summary.failed} · invalid accepted ${summary.invalid_accepted}`,
        `${summary.attempts} attempts in ${(summary.duration_ms / 1000).toFixed(1)} s (${summary.deliveries_per_second} deliveries/s)`,
        ...(reportFile === undefined ? [] : [`report written to ${reportFile}`]),
        ...failures.slice(0, 10).map((d) => `  not ok: #${d.id} ${d.kind} ${d.event} ${d.pass_id} expected ${d.expected}, got ${d.attempts.map((a) => a.status ?? a.error).join(',')}`),
        result.ok ? 'OK' : `FAIL: ${summary.failed} valid deliveries not accepted, ${summary.invalid_accepted} faulty deliveries accepted`,
        '',
      ].join('\n'),
    );
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}
