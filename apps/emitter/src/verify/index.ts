export { comparePass, type Difference } from './compare-pass.js';
export { mapPassList, mapPassState, mapStats, receiverRoutes, type ObservedPass, type ObservedRegistration } from './receiver-mapping.js';
export { ReceiverError, verify, type VerifyOptions, type VerifyReport } from './verify.js';
