export { backoffDelayMs, retryAfterMs, type BackoffOptions } from './backoff.js';
export { deliver, type DeliverOptions, type DeliveryProgress, type DeliveryResult, type DeliveryTarget } from './deliver.js';
export {
  DELIVERY_KINDS,
  isFaultyKind,
  planDeliveries,
  type DeliveryGroup,
  type DeliveryKind,
  type FaultOptions,
  type PlannedDelivery,
} from './plan-deliveries.js';
export { createProgressLine, formatProgress, type ProgressStream } from './progress-line.js';
export {
  createHandlerTransport,
  createUrlTransport,
  TransportError,
  type DeliveryHandler,
  type EmitterRequest,
  type EmitterResponse,
  type Transport,
} from './transport.js';
