export { conformanceBattery, OVERSIZED_BYTES, type ConformanceCase, type Expectation } from './battery.js';
export { formatConformance } from './format-conformance.js';
export { runConformance, type ConformanceOptions, type ConformanceReport, type ConformanceResult } from './run-conformance.js';
