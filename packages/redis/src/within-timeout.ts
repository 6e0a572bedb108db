/**
 * Settles as `promise` does, or rejects when `timeoutMs` passed first, so a
 * call to a server that stopped answering never hangs. The late answer (or
 * failure) of `promise` is then ignored.
 * @example const reply = await withinTimeout(client.sendCommand(['PING']), 1_000, 'PING');
 */
export function withinTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
