/**
 * The deepest a value inside a pass event may nest objects and arrays:
 * `metadata`, `event_extra` and any field the platform adds count their own
 * object or array as level 1. Deeper events are refused (`422
 * invalid_event`, with the path of a value beyond the limit) before
 * anything walks them, so no part of the toolkit or of a handler that
 * serialises the event (`JSON.stringify` recurses) can overflow the stack.
 */
export const MAX_NESTING_DEPTH = 32;

interface Node {
  readonly value: object;
  readonly depth: number;
  readonly key: string;
  readonly parent: Node | undefined;
}

function pointerOf(node: Node): string {
  const keys: string[] = [];
  for (let at: Node | undefined = node; at?.parent !== undefined; at = at.parent) keys.push(at.key.replaceAll('~', '~0').replaceAll('/', '~1'));
  return keys.length === 0 ? '' : `/${keys.reverse().join('/')}`;
}

/**
 * The JSON Pointer (`/metadata/a/0`) of an object or array nested deeper
 * than `maxDepth` below `root` (the root itself is level 0), or undefined
 * when there is none. Iterative (an explicit stack), so any depth is safe to
 * check; it never descends past the limit, so a cyclic value is reported too
 * rather than walked forever.
 */
export function findTooDeep(root: unknown, maxDepth: number = MAX_NESTING_DEPTH): string | undefined {
  if (root === null || typeof root !== 'object' || !nestsDeeper(root, maxDepth)) return undefined;
  return pointerOfTooDeep(root, maxDepth);
}

/**
 * Whether anything under `root` nests deeper than `maxDepth`: the check every
 * delivery pays, so it keeps two flat stacks (values, depths) and allocates
 * no node, path or entry pair; the path is looked for only after it says yes.
 */
function nestsDeeper(root: object, maxDepth: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = (depths.pop() as number) + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        const child: unknown = value[i];
        if (child === null || typeof child !== 'object') continue;
        if (depth > maxDepth) return true;
        values.push(child);
        depths.push(depth);
      }
      continue;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const child: unknown = (value as Record<string, unknown>)[key];
      if (child === null || typeof child !== 'object') continue;
      if (depth > maxDepth) return true;
      values.push(child);
      depths.push(depth);
    }
  }
  return false;
}

/** The pointer of the first value found nested deeper than `maxDepth` (there is one: {@link nestsDeeper} said so). */
function pointerOfTooDeep(root: object, maxDepth: number): string | undefined {
  const stack: Node[] = [{ value: root, depth: 0, key: '', parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.depth > maxDepth) return pointerOf(node);
    const entries: Iterable<[string, unknown]> = Array.isArray(node.value)
      ? node.value.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(node.value);
    for (const [key, child] of entries) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: node.depth + 1, key, parent: node });
    }
  }
  return undefined;
}
