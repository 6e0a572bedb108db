export { storeConformance, type StoreConformanceOptions, type StoreFactoryContext } from './store-conformance.js';
export {
  adapterContract,
  fromFetchResponse,
  listenForContract,
  toFetchRequest,
  type AdapterContractOptions,
  type ContractRequest,
  type ContractResponse,
  type MountedAdapter,
} from './adapter-contract.js';
export { makePassEvent } from './make-pass-event.js';
export { headOf, rawExchange, type RawExchange, type RawExchangeOptions } from './raw-exchange.js';
export { spellInstant, spellLeapSecond, type InstantParts, type Spelling } from './instant-spellings.js';
