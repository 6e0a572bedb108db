/** Bytes a string takes in JSON at the least: its UTF-8 bytes, the quotes, and the escape each `"`, `\` or control character needs. */
function stringBytes(value: string): number {
  let escapes = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c) escapes += 1;
  }
  return Buffer.byteLength(value, 'utf8') + 2 + escapes;
}

/** The fewest characters any JSON spelling of a finite number can take: its shortest significant digits, and a sign. */
function numberBytes(value: number): number {
  const digits = value.toExponential().replace(/^-/, '').replace(/e.*$/, '').replace('.', '').length;
  return digits + (value < 0 ? 1 : 0);
}

/**
 * A lower bound of the bytes of any JSON text that parses to `value`, or
 * `Infinity` once it passes `stopAbove` (so a huge value costs no more than
 * the limit). A body parser mounted before us leaves the parsed value only;
 * the raw bytes are gone, and a lower bound never calls a body within the
 * limit too large. Iterative, so no nesting depth can overflow the stack.
 */
export function minJsonBytes(value: unknown, stopAbove: number): number {
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') total += stringBytes(item);
    else if (typeof item === 'number') total += Number.isFinite(item) ? numberBytes(item) : 4;
    else if (typeof item === 'boolean') total += item ? 4 : 5;
    else if (Array.isArray(item)) {
      total += 2 + Math.max(0, item.length - 1);
      for (const element of item) pending.push(element);
    } else if (typeof item === 'object' && item !== null) {
      const keys = Object.keys(item);
      total += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        total += stringBytes(key) + 1;
        pending.push((item as Record<string, unknown>)[key]);
      }
    } else total += 4; // null (and what JSON would write as null)
    if (total > stopAbove) return Number.POSITIVE_INFINITY;
  }
  return total;
}
