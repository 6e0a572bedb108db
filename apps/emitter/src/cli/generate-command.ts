import { simulate, toNdjson } from '../simulator/simulate.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { numberFlag, parseFlags, seedFlag, text } from './parse-flags.js';
import { scenarioFlag } from './run-command.js';

const FLAGS = {
  seed: { type: 'string' },
  passes: { type: 'string' },
  scenario: { type: 'string' },
  start: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `passworks-emitter generate`. */
export function generateCommand(args: readonly string[], io: CliIo): number {
  const values = parseFlags(args, FLAGS);
  const start = text(values, 'start');
  let simulation;
  try {
    simulation = simulate({
      seed: seedFlag(values, 1),
      passes: numberFlag(values, 'passes', 10, { min: 0, max: 1_000_000 }),
      scenario: scenarioFlag(values),
      ...(start === undefined ? {} : { startAt: start }),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  io.stdout.write(values['json'] === true ? `${JSON.stringify(simulation, null, 2)}\n` : toNdjson(simulation.events));
  return EXIT.ok;
}
