import type { CliIo } from '../../src/cli/index.js';

/** A CLI io writing into strings, with `env` as its environment. */
export function capture(env: Record<string, string> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => ((out += text), true) },
    stderr: { isTTY: false, write: (text: string) => ((err += text), true) },
    env,
    out: () => out,
    err: () => err,
  };
}
