import type { ValidationIssue, WebhookResponse } from '@passworks-webhooks/core';

/** What a rejection row keeps of why a delivery was refused. */
export interface RejectionReason {
  /** The answer's `error.message`: the reason as the sender was told it. */
  readonly message: string | undefined;
  /** The answer's `error.issues`, for `invalid_event`. */
  readonly issues: readonly ValidationIssue[] | undefined;
  /** The event name: the pipeline's, or the one the parsed body named. */
  readonly event: string | undefined;
}

/** Codes answered after the key was accepted and the body parsed as JSON, without the pipeline naming the event. */
const PARSED_BODY_CODES: ReadonlySet<string> = new Set(['invalid_event', 'legacy_payload']);
/** The longest event name kept from a refused body (a longer one is cut). */
const MAX_EVENT_NAME_CHARS = 100;

const utf8 = new TextDecoder('utf-8');

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isIssue = (value: unknown): value is ValidationIssue =>
  typeof value === 'object' && value !== null && typeof (value as ValidationIssue).path === 'string' && typeof (value as ValidationIssue).message === 'string';

/**
 * Reads why a delivery was refused from our own answer (`error.message`,
 * and `error.issues` for `invalid_event`) and the event name: the
 * pipeline's, else, for a body the pipeline parsed as JSON with the key
 * accepted (`invalid_event`, `legacy_payload`), its `event` field when it is
 * a string. The body of any other rejection (a 401 above all) is not read.
 * @example rejectionReason(response, body).issues
 */
export function rejectionReason(response: WebhookResponse, body: Uint8Array | undefined): RejectionReason {
  const answer = parsed(response.body) as { error?: { message?: unknown; issues?: unknown } } | undefined;
  const message = typeof answer?.error?.message === 'string' ? answer.error.message : undefined;
  const issues = response.code === 'invalid_event' && Array.isArray(answer?.error?.issues) ? answer.error.issues.filter(isIssue) : undefined;
  let event = response.event;
  if (event === undefined && body !== undefined && response.code !== undefined && PARSED_BODY_CODES.has(response.code)) {
    const named = (parsed(utf8.decode(body)) as { event?: unknown } | undefined)?.event;
    if (typeof named === 'string') event = named.slice(0, MAX_EVENT_NAME_CHARS);
  }
  return { message, issues, event };
}
