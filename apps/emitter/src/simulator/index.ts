export { CAMPAIGN_KINDS, CAMPAIGN_TYPES, createCampaign, type Campaign, type CampaignKind, type CampaignType } from './campaign.js';
export { checkInvariants, type CheckInvariantsOptions, type InvariantViolation } from './check-invariants.js';
export { DEVICE_PROFILES, type DeviceProfile, type DeviceProfileName } from './device-profiles.js';
export { truthOf, type PassTruth, type TruthRegistration } from './ground-truth.js';
export { PassLifecycle, type PassLifecycleOptions, type Registration } from './pass-lifecycle.js';
export { SCENARIO_NAMES, SCENARIOS, type ScenarioChoice, type ScenarioName } from './scenarios.js';
export { simulate, toNdjson, type SimulateOptions, type Simulation } from './simulate.js';
export { formatInstant, INSTANT_SPELLINGS, parseInstant, type InstantSpelling } from './timestamps.js';
