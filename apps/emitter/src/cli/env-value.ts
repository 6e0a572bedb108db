import type { CliIo } from './cli-io.js';

/**
 * A setting's value from the environment under its name, else under the
 * name it had before (still read, with one deprecation line on stderr; the
 * value is never printed). Empty counts as unset.
 * @example envValue(io, 'ADMIN_TOKEN', 'PASSWORKS_ADMIN_TOKEN')
 */
export function envValue(io: CliIo, name: string, deprecatedName: string): string | undefined {
  const current = io.env[name];
  const old = io.env[deprecatedName];
  if (old === undefined || old === '') return current === '' ? undefined : current;
  if (current !== undefined && current !== '') {
    io.stderr.write(`passworks-emitter: ${deprecatedName} is deprecated and ignored, as ${name} is set\n`);
    return current;
  }
  io.stderr.write(`passworks-emitter: ${deprecatedName} is deprecated: set ${name} instead (the name the receiver reads)\n`);
  return old;
}
