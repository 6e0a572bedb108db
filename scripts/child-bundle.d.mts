/** The path of a one-file JavaScript bundle of the TypeScript `entry` (absolute), for `node <bundle>` in a test's child process. */
export function childBundle(entry: string): Promise<string>;
