import { conformanceCommand } from './conformance-command.js';
import { generateCommand } from './generate-command.js';
import { HELP } from './help-text.js';
import { listenCommand } from './listen-command.js';
import { replayCommand } from './replay-command.js';
import { runCommand } from './run-command.js';
import { triggerCommand } from './trigger-command.js';
import { verifyCommand } from './verify-command.js';
import { EXIT, UsageError, type CliIo } from './cli-io.js';

export { EXIT, UsageError, type CliIo } from './cli-io.js';
export { HELP } from './help-text.js';

type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

const COMMANDS: Readonly<Record<'run' | 'generate' | 'replay' | 'trigger' | 'conformance' | 'verify' | 'listen', Command>> = {
  run: runCommand,
  generate: generateCommand,
  replay: replayCommand,
  trigger: triggerCommand,
  conformance: conformanceCommand,
  verify: verifyCommand,
  listen: listenCommand,
};

const isHelp = (arg: string): boolean => arg === '--help' || arg === '-h';

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the
 * exit code. Errors other than usage errors are printed and give 2.
 * @example process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || isHelp(name) || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    io.stdout.write(topic !== undefined && topic in COMMANDS ? HELP[topic as keyof typeof COMMANDS] : HELP.main);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!(name in COMMANDS)) {
    io.stderr.write(`passworks-emitter: unknown command ${JSON.stringify(name)}\n\n${HELP.main}`);
    return EXIT.usage;
  }
  const command = name as keyof typeof COMMANDS;
  if (args.some(isHelp)) {
    io.stdout.write(HELP[command]);
    return EXIT.ok;
  }
  try {
    return await COMMANDS[command](args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`passworks-emitter ${command}: ${error.message}\nRun "passworks-emitter ${command} --help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`passworks-emitter ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}
