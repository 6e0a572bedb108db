export { passworksWebhooks, type PassworksMiddleware, type PassworksWebhooksOptions } from './passworks-webhooks.js';
export { verifyDelivery, type PassworksLocals, type VerifiedDelivery, type VerifyMiddleware, type VerifyOptions } from './verify-delivery.js';
export {
  ERROR_CODES,
  PassworksWebhookError,
  createMemoryStore,
  isPassworksWebhookError,
  type ErrorCode,
  type EventHandler,
  type EventName,
  type HandlerContext,
  type IdempotencyStore,
  type PassEvent,
  type PassEventOf,
  type UnknownPassEvent,
} from '@passworks-webhooks/core';
