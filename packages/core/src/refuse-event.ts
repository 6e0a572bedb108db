import { PassworksWebhookError } from './errors.js';

/** Options of {@link refuseEvent}. */
export interface RefuseEventOptions {
  /**
   * The 4xx to answer. 408, 409 and 429 mean "try again" and are refused
   * here, as is anything outside 400-499.
   * @default 422
   */
  readonly status?: number;
  /** What led to the refusal: goes to the log and `onError`, never to the sender. */
  readonly cause?: unknown;
}

const RETRYABLE = new Set([408, 409, 429]);

/**
 * Builds the error a handler throws to refuse an event for good: the answer
 * is `status` with code `event_refused` and `message` (the sender sees this
 * message, so say what is wrong with the event, nothing internal). The store
 * keeps the answer with the key, so every retry of the same event gets it
 * again without the handlers running.
 * @example
 * .on('redeemed', async (event) => {
 *   if (!(await loyalty.knows(event.pass_id))) throw refuseEvent('this pass belongs to no loyalty account', { status: 422 });
 * })
 */
export function refuseEvent(message: string, { status = 422, cause }: RefuseEventOptions = {}): PassworksWebhookError {
  if (!Number.isInteger(status) || status < 400 || status > 499 || RETRYABLE.has(status)) {
    throw new PassworksWebhookError(
      'invalid_config',
      `refuseEvent: status must be a 4xx other than 408, 409 and 429 (those mean "retry"), got ${String(status)}`,
    );
  }
  if (typeof message !== 'string' || message.length === 0) throw new PassworksWebhookError('invalid_config', 'refuseEvent: expected a non-empty message');
  return new PassworksWebhookError('event_refused', message, { status, cause });
}
