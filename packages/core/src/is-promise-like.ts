/** Whether `value` is a promise or any thenable: what the pipeline must wait for. Anything else is ready now. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function');
}
