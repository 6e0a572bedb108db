/** What replaces a secret in a log line, a stored row or an error. */
export const REDACTED = '[redacted]';

/**
 * The shortest secret searched for. A shorter one (a key like `test`, a few
 * hex digits) is too likely to occur in ordinary text: searching for it would
 * garble logs and refuse real events whose pass id happens to hold it. The
 * receiver warns at start about such a secret.
 */
export const MIN_SECRET_LENGTH = 16;

const searched = (secret: string): boolean => secret.length >= MIN_SECRET_LENGTH;

/** Whether `text` holds one of `secrets` (those shorter than {@link MIN_SECRET_LENGTH} ignored). */
export function holdsSecret(text: string, secrets: readonly string[]): boolean {
  for (const secret of secrets) if (searched(secret) && text.includes(secret)) return true;
  return false;
}

/** Whether the bytes `raw` (UTF-8) hold one of `secrets` (those shorter than {@link MIN_SECRET_LENGTH} ignored), without decoding them. */
export function rawHoldsSecret(raw: Uint8Array | string, secrets: readonly string[]): boolean {
  if (typeof raw === 'string') return holdsSecret(raw, secrets);
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const secret of secrets) if (searched(secret) && bytes.includes(secret, 0, 'utf8')) return true;
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
  for (const secret of secrets) if (searched(secret)) redacted = redacted.split(secret).join(REDACTED);
  return redacted as T;
}

/**
 * A request path as it may be logged or echoed: {@link redactSecrets}, and a
 * path that holds a secret only once its ASCII percent-escapes are decoded
 * (`/api/%70k_live...`) is shown as {@link REDACTED} whole.
 */
export function redactPath(path: string, secrets: readonly string[]): string {
  const redacted = redactSecrets(path, secrets);
  if (!redacted.includes('%')) return redacted;
  const decoded = redacted.replace(/%([0-7][0-9a-f])/gi, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return holdsSecret(decoded, secrets) ? REDACTED : redacted;
}
