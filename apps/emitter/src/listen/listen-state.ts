import { readFile, rename, writeFile } from 'node:fs/promises';

/** What `--state-file` keeps: every event up to `lastId` (in stream order) is relayed, and so are `doneAfter`. */
export interface ListenState {
  readonly lastId: number;
  readonly doneAfter: readonly number[];
}

/** Reads a state file; undefined when it does not exist yet. */
export async function readListenState(path: string): Promise<ListenState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as { lastId?: unknown; doneAfter?: unknown };
  if (typeof value.lastId !== 'number' || !Number.isSafeInteger(value.lastId)) throw new Error(`${path}: not a listen state file (no lastId)`);
  const doneAfter = Array.isArray(value.doneAfter) ? value.doneAfter.filter((id): id is number => typeof id === 'number') : [];
  return { lastId: value.lastId, doneAfter };
}

/** Writes a state file atomically (a temporary file renamed over it): a kill never leaves half a file. */
export async function writeListenState(path: string, state: ListenState): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`);
  await rename(temporary, path);
}
