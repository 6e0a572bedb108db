export type { AttemptRecord, DeliveryOutcome, DeliveryRecord } from './delivery-record.js';
export { createRunReport, parseRunReport, safeTarget, type RunReport, type RunSettings } from './run-report.js';
export { summarize, type DeliverySummary } from './summarize.js';
