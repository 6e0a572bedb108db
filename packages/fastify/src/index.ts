export { passworksWebhooks, type PassworksPlugin, type PassworksWebhooksOptions } from './passworks-webhooks.js';
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
