import { writeFile } from 'node:fs/promises';
import { deliver } from '../delivery/deliver.js';
import { createProgressLine } from '../delivery/progress-line.js';
import type { FaultOptions } from '../delivery/plan-deliveries.js';
import { createRunReport, type RunSettings } from '../report/run-report.js';
import { SCENARIO_NAMES, type ScenarioChoice } from '../simulator/scenarios.js';
import { simulate } from '../simulator/simulate.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { numberFlag, parseFlags, ratioFlag, required, seedFlag, text } from './parse-flags.js';
import { apiKeyOf } from './api-key-of.js';
import { deliveryOptionsOf, PACING_FLAGS, RETRY_FLAGS, shownTarget, summaryLines } from './delivery-flags.js';

const FLAGS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  seed: { type: 'string' },
  passes: { type: 'string' },
  scenario: { type: 'string' },
  start: { type: 'string' },
  ...PACING_FLAGS,
  duplicates: { type: 'string' },
  reorder: { type: 'string' },
  invalid: { type: 'string' },
  'bad-auth': { type: 'string' },
  oversized: { type: 'string' },
  spellings: { type: 'string' },
  ...RETRY_FLAGS,
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
  const options = deliveryOptionsOf(values);
  const settings: RunSettings = {
    target: shownTarget(url),
    seed,
    passes,
    scenario,
    concurrency: options.concurrency,
    rate_per_second: options.ratePerSecond,
    timeout_ms: options.timeoutMs,
    max_retries: options.maxRetries,
    faults,
  };
  const start = text(values, 'start');
  let simulation;
  try {
    simulation = simulate({ seed, passes, scenario, ...(start === undefined ? {} : { startAt: start }) });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const json = values['json'] === true;
  // The header before the progress line starts (on a terminal both show), the summary after it ends.
  if (!json)
    io.stdout.write(
      `passworks-emitter run: ${simulation.events.length} events of ${passes} passes (seed ${String(seed)}, ${scenario}) -> ${settings.target}\n`,
    );
  const progress = createProgressLine(io.stderr, io.env);
  const result = await deliver({
    target: url,
    apiKey,
    events: simulation.events,
    faults,
    seed,
    ...options,
    onProgress: progress.update,
  });
  progress.end();
  const report = createRunReport(settings, simulation, result);
  const reportFile = text(values, 'report');
  if (reportFile !== undefined) await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  const failures = result.deliveries.filter((delivery) => !delivery.ok);
  const { summary } = result;
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: result.ok, settings, summary, report: reportFile ?? null, failures: failures.slice(0, 100) }, null, 2)}\n`);
  } else {
    io.stdout.write(
      [
        ...summaryLines(result),
        ...(reportFile === undefined ? [] : [`report written to ${reportFile}`]),
        result.ok ? 'OK' : `FAIL: ${summary.failed} valid deliveries not accepted, ${summary.invalid_accepted} faulty deliveries accepted`,
        '',
      ].join('\n'),
    );
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}
