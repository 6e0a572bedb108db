/**
 * Every error code the toolkit answers or throws, with its HTTP status
 * (`undefined` for errors thrown to the developer, never sent to a client).
 * The list is part of the public contract: codes are never renamed.
 */
export const ERROR_CODES = {
  /** The request method is not POST (405, `Allow: POST`). */
  method_not_allowed: 405,
  /** The content type is not JSON (415). */
  unsupported_media_type: 415,
  /** The body is larger than the limit (413); the stream is not read past it. */
  payload_too_large: 413,
  /** The `Authorization` header is missing or matches no configured key (401). */
  unauthorized: 401,
  /** The body is not JSON (400). */
  invalid_json: 400,
  /** The body is JSON but not a pass event; `issues` lists every problem (422). */
  invalid_event: 422,
  /** The body is the 2016 document (`action_at`, no `event_at`): the platform side must be updated (422). */
  legacy_payload: 422,
  /** The same event is being handled by another delivery right now; retry later (409, `Retry-After`). */
  in_flight: 409,
  /** A handler threw; the key was released so a retry processes the event again (500). The message is generic: the cause goes to the log and `onError`. */
  handler_failed: 500,
  /**
   * A handler refused the event for good with `refuseEvent()` (422 unless it
   * chose another 4xx). The answer is stored with the key: every retry gets
   * it again without the handlers running.
   */
  event_refused: 422,
  /** A handler ran past its time budget; its result will still mark or release the key (503, `Retry-After`). */
  handler_timeout: 503,
  /** The idempotency store failed; nothing was handled (503, `Retry-After`). */
  store_unavailable: 503,
  /** Another middleware consumed the request body and left nothing usable (500: a server set-up error). */
  body_unavailable: 500,
  /** An invalid query or request parameter (400), used by the reference receiver's read API. */
  invalid_request: 400,
  /** A resource that does not exist (404), used by the reference receiver's read API. */
  not_found: 404,
  /** The HTTP parser refused the request (bad framing, obs-fold, conflicting lengths), or its body ended before its declared length (400, connection closed). */
  malformed_request: 400,
  /** The request's headers or body did not arrive within the server's timeout (408, connection closed). */
  request_timeout: 408,
  /** The request's headers are larger than the server accepts (431, connection closed). */
  headers_too_large: 431,
  /** An unexpected failure (500). */
  internal_error: 500,
  /** Invalid options or configuration, thrown at construction (never sent to a client). */
  invalid_config: undefined,
  /**
   * A handler's claim was lost while it ran (its lease could not be renewed,
   * or another delivery took the key over), so the event may have been
   * handled twice; reported to the log and `onError`, never sent to a client.
   */
  lease_lost: undefined,
} as const satisfies Record<string, number | undefined>;

/** One of the documented error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem found in a pass event: where (a JSON path like `$.event_extra.ip`) and what was expected. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Options of {@link PassworksWebhookError}. */
export interface PassworksWebhookErrorOptions {
  readonly issues?: readonly ValidationIssue[];
  readonly cause?: unknown;
  /** The HTTP status, where the code allows a choice (`event_refused`: a 4xx). @default the code's status in {@link ERROR_CODES} */
  readonly status?: number;
}

/**
 * The toolkit's one error class. `code` is from {@link ERROR_CODES};
 * `status` is the HTTP status it answers with, where one applies.
 * Messages never contain an API key.
 */
export class PassworksWebhookError extends Error {
  override readonly name = 'PassworksWebhookError';
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly issues: readonly ValidationIssue[] | undefined;

  constructor(code: ErrorCode, message: string, options: PassworksWebhookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    this.issues = options.issues;
  }

  /** The documented error body: `{ error: { code, message, issues? } }`. */
  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.issues === undefined ? {} : { issues: this.issues }) },
    };
  }
}

/** The one shape of every error response body. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly issues?: readonly ValidationIssue[] };
}

/** Whether `value` is a {@link PassworksWebhookError}. */
export function isPassworksWebhookError(value: unknown): value is PassworksWebhookError {
  return value instanceof PassworksWebhookError;
}

/**
 * Builds an error about the client's request without capturing a stack
 * trace: a 4xx says what was wrong with the input, and capturing the stack
 * was the largest single cost of answering a rejected delivery.
 */
export function requestError(code: ErrorCode, message: string, options?: PassworksWebhookErrorOptions): PassworksWebhookError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new PassworksWebhookError(code, message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
