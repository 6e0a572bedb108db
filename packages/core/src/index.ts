export { EVENT_NAMES, isEventName, type EventName } from './event-names.js';
export { AnyPassEvent, EventExtra, EventNameSchema, PassEvent, passEventJsonSchema, type PassEventOf, type UnknownPassEvent } from './pass-event.js';
export { DEVICE_EVENT_NAMES, DeviceEventExtra, isDeviceEventName, type DeviceEventName, type EventExtraOf } from './event-extras.js';
export { validatePassEvent, type ValidationResult } from './validate-pass-event.js';
export {
  ERROR_CODES,
  PassworksWebhookError,
  isPassworksWebhookError,
  requestError,
  type ErrorBody,
  type ErrorCode,
  type PassworksWebhookErrorOptions,
  type ValidationIssue,
} from './errors.js';
export { refuseEvent, type RefuseEventOptions } from './refuse-event.js';
export { API_KEY_ENV, apiKeysFromEnv, createApiKeyVerifier, type ApiKeyList, type ApiKeySource, type ApiKeyVerifier } from './api-key-verifier.js';
export { compareInstants, parseInstant, type Instant } from './instant.js';
export { MAX_NESTING_DEPTH, findTooDeep } from './nesting-depth.js';
export { defaultIdempotencyKey, normaliseInstant, type IdempotencyKeyFunction } from './idempotency-key.js';
export type { ClaimOptions, ClaimResult, IdempotencyStore, StoredOutcome } from './idempotency-store.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { createInProcessClaims, type InProcessClaims } from './in-process-claims.js';
export { createWebhookHandler, type ErrorContext, type ErrorHook, type WebhookHandler, type WebhookHandlerOptions } from './create-webhook-handler.js';
export type { EventHandler, HandlerContext, HandlerMap } from './handler-registry.js';
export { withHandlerMethods, type HandlerMethods } from './handler-methods.js';
export type { ReadEvent, RequestHead } from './read-event.js';
export { errorResponse, acceptedResponse } from './error-response.js';
export { headerValue, isJsonContentType, type WebhookHeaders, type WebhookOutcome, type WebhookRequest, type WebhookResponse } from './webhook-http.js';
export { silentLogger, type Logger } from './logger.js';
export { unknownOptionMessage, type KnownOptions } from './unknown-option-message.js';
