import { parseArgs, type ParseArgsConfig } from 'node:util';
import { unknownOptionMessage } from '@passworks-webhooks/core';
import { UsageError } from './cli-io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What is set only through the environment, by the flag names a user may try: the progress line follows `CI`. */
const ENV_ONLY = { ci: 'CI', 'no-progress': 'CI' } as const;

/**
 * Parses a command's flags strictly (unknown flags and positionals are usage
 * errors). An unknown flag's message names the nearest flag of the command,
 * or the environment variable of a setting that has no flag; never a value.
 */
export function parseFlags<O extends Options>(args: readonly string[], options: O): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // Node's message quotes a stray positional, which is often a secret whose flag name was forgotten: never echo it.
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError('unexpected argument without a flag name (values go after a flag, e.g. --api-key KEY); it is not shown, as it may be a secret');
    }
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const unknown = parseArgs({ args: [...args], options, strict: false, tokens: true }).tokens.find(
        (token) => token.kind === 'option' && !(token.name in options),
      );
      throw new UsageError(
        unknownOptionMessage(unknown?.kind === 'option' ? unknown.rawName : '', { flags: [...Object.keys(options), 'help'], envOnly: ENV_ONLY }),
      );
    }
    throw new UsageError(error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error));
  }
}

/** A string flag's value, or the default. */
export const text = (values: Record<string, string | boolean | undefined>, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/** A required string flag, or a usage error naming it. */
export function required(values: Record<string, string | boolean | undefined>, name: string, hint = ''): string {
  const value = text(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required${hint}`);
  return value;
}

/** A numeric flag within bounds, or a usage error naming the flag and the value. */
export function numberFlag(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {},
): number {
  const raw = text(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name}: expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A ratio flag in [0, 1]. */
export const ratioFlag = (values: Record<string, string | boolean | undefined>, name: string): number =>
  numberFlag(values, name, 0, { min: 0, max: 1, integer: false });

/** `--seed`: an integer, or any other text (hashed). */
export function seedFlag(values: Record<string, string | boolean | undefined>, fallback: number): number | string {
  const raw = text(values, 'seed');
  if (raw === undefined) return fallback;
  return /^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
}
