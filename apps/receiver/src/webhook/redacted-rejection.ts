import { holdsSecret, redactSecrets } from '../common/redact-secrets.js';
import { BODY_PREFIX_BYTES, type Rejection } from '../storage/rejection.js';

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/**
 * A rejection as it may be stored: every string the sender wrote (request
 * id, event name, client address, the message and issues that echo its
 * values, the body's first bytes) with the secrets redacted. A body holding
 * one keeps only its redacted start, no longer than the body, and the
 * count of bytes that arrived.
 * @example reject(redactedRejection(rejection, secrets))
 */
export function redactedRejection(rejection: Rejection, secrets: readonly string[]): Rejection {
  const { body } = rejection;
  const text = body === undefined ? undefined : utf8.decode(body);
  const bodyHoldsSecret = text !== undefined && holdsSecret(text, secrets);
  return {
    ...rejection,
    event: redactSecrets(rejection.event, secrets),
    clientAddress: redactSecrets(rejection.clientAddress, secrets),
    requestId: redactSecrets(rejection.requestId, secrets),
    message: redactSecrets(rejection.message, secrets),
    issues: rejection.issues?.map(({ path, message }) => ({ path: redactSecrets(path, secrets), message: redactSecrets(message, secrets) })),
    ...(bodyHoldsSecret && body !== undefined
      ? {
          body: encoder.encode(redactSecrets(text, secrets)).subarray(0, Math.min(BODY_PREFIX_BYTES, body.byteLength)),
          bytesRead: Math.max(body.byteLength, rejection.bytesRead ?? 0),
        }
      : {}),
  };
}
