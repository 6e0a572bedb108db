/** What a command line knows: its flags, and the settings it reads from the environment only. */
export interface KnownOptions {
  /** The flags, without their leading dashes (`port`, `api-key`). */
  readonly flags: readonly string[];
  /**
   * Settings with no flag (secrets: argv is visible to other users), as flag-like
   * names a user may try, each with its environment variable: `{ 'api-key': 'PASSWORKS_API_KEY' }`.
   */
  readonly envOnly?: Readonly<Record<string, string>>;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The message for an option a command line does not know, with a way out:
 * the environment variable when the option is set only there
 * (`unknown option --api-key: this setting comes from the environment variable PASSWORKS_API_KEY (it has no flag)`),
 * else the nearest known flag by edit distance, when it is near enough
 * (`unknown option --prot (did you mean --port?)`). Names only the option,
 * never a value given with it (it may be a secret).
 * @param rawName the option as typed, without any value: `--prot`, `-x`
 * @example unknownOptionMessage('--prot', { flags: ['port', 'host'] }) // 'unknown option --prot (did you mean --port?)'
 */
export function unknownOptionMessage(rawName: string, { flags, envOnly = {} }: KnownOptions): string {
  const name = rawName.replace(/^-+/, '').toLowerCase();
  const candidates = [...flags.map((flag) => ({ flag, env: undefined })), ...Object.entries(envOnly).map(([flag, env]) => ({ flag, env }))];
  let nearest: { flag: string; env: string | undefined; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate.flag);
    if (nearest === undefined || distance < nearest.distance) nearest = { ...candidate, distance };
  }
  // Near enough: one edit per three characters of the longer name, at least one.
  const limit = (flag: string): number => Math.max(1, Math.floor(Math.max(name.length, flag.length) / 3));
  if (nearest === undefined || nearest.distance > limit(nearest.flag)) return `unknown option ${rawName}`;
  if (nearest.env !== undefined) return `unknown option ${rawName}: this setting comes from the environment variable ${nearest.env} (it has no flag)`;
  return `unknown option ${rawName} (did you mean --${nearest.flag}?)`;
}
