export { createRandom, type Random, type Seed } from './random/create-random.js';
export {
  CAMPAIGN_KINDS,
  CAMPAIGN_TYPES,
  checkInvariants,
  DEVICE_PROFILES,
  formatInstant,
  INSTANT_SPELLINGS,
  SCENARIO_NAMES,
  simulate,
  toNdjson,
  type Campaign,
  type CampaignKind,
  type CampaignType,
  type CheckInvariantsOptions,
  type DeviceProfile,
  type InstantSpelling,
  type InvariantViolation,
  type PassTruth,
  type ScenarioChoice,
  type ScenarioName,
  type SimulateOptions,
  type Simulation,
  type TruthRegistration,
} from './simulator/index.js';
export {
  backoffDelayMs,
  createProgressLine,
  deliver,
  DELIVERY_KINDS,
  planDeliveries,
  TransportError,
  type DeliverOptions,
  type DeliveryGroup,
  type DeliveryHandler,
  type DeliveryKind,
  type DeliveryProgress,
  type DeliveryResult,
  type DeliveryTarget,
  type EmitterRequest,
  type EmitterResponse,
  type FaultOptions,
  type PlannedDelivery,
} from './delivery/index.js';
export { createRunReport, parseRunReport, summarize, type AttemptRecord, type DeliveryOutcome, type DeliveryRecord, type DeliverySummary, type RunReport, type RunSettings } from './report/index.js';
export { conformanceBattery, formatConformance, runConformance, type ConformanceOptions, type ConformanceReport, type ConformanceResult } from './conformance/index.js';
export { comparePass, mapPassState, receiverRoutes, ReceiverError, verify, type Difference, type ObservedPass, type VerifyOptions, type VerifyReport } from './verify/index.js';
export { runCli, type CliIo } from './cli/index.js';
