/** What replaces a secret in a log line, a stored row or an error. */
export const REDACTED = '[redacted]';

/** Whether `text` holds one of `secrets` (empty ones ignored). */
export function holdsSecret(text: string, secrets: readonly string[]): boolean {
  for (const secret of secrets) if (secret.length > 0 && text.includes(secret)) return true;
  return false;
}

/**
 * `text` with every copy of each secret (the webhook keys, the admin token,
 * the forward key) replaced by {@link REDACTED}: the one way a string a
 * client or another server wrote leaves the process (a log field, a stored
 * row, an error message). Only a search when no secret is in it, so it can
 * stand wherever such a field is logged or stored. `undefined` stays `undefined`.
 * @example redactSecrets(`x-${key}`, [key]) // 'x-[redacted]'
 */
export function redactSecrets<T extends string | undefined>(text: T, secrets: readonly string[]): T {
  if (text === undefined || !holdsSecret(text, secrets)) return text;
  let redacted: string = text;
  for (const secret of secrets) if (secret.length > 0) redacted = redacted.split(secret).join(REDACTED);
  return redacted as T;
}
