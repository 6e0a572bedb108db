import { randomInt } from 'node:crypto';
import { createHandlerTransport, createUrlTransport, TransportError, type Transport } from '../delivery/transport.js';
import type { DeliveryTarget } from '../delivery/deliver.js';
import { safeTarget } from '../report/run-report.js';
import { simulate } from '../simulator/simulate.js';
import { conformanceBattery } from './battery.js';

/** The result of one case: what was expected, what came back, and whether it passes. */
export interface ConformanceResult {
  readonly id: string;
  readonly name: string;
  readonly expected: string;
  /** The status, or `timeout` / `network` when nothing came back. */
  readonly got: string;
  readonly pass: boolean;
  /** Why a case with an accepted status still fails, or what was odd. */
  readonly note?: string;
}

/** The outcome of {@link runConformance}. */
export interface ConformanceReport {
  /** The URL without credentials, query or fragment (as in a run report), or `handler`. */
  readonly target: string;
  readonly pass: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly ConformanceResult[];
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** The webhook URL, or an in-process handler. */
  readonly target: DeliveryTarget;
  /** The API key the endpoint expects. Never printed or stored. */
  readonly apiKey: string;
  /** Seeds the test event; a fresh one each run by default, so the valid case is new to the endpoint. @default random */
  readonly seed?: number;
  /** Per-request timeout. @default 10_000 */
  readonly timeoutMs?: number;
}

/**
 * Runs the conformance battery (valid event, duplicate, other `event_at`
 * spelling, wrong and missing key, malformed JSON, schema-invalid, unknown
 * event, wrong content type, oversized body, GET) one request at a time.
 * @example
 * const report = await runConformance({ target: 'http://localhost:3000/webhooks/passworks', apiKey });
 * if (!report.pass) process.exitCode = 1;
 */
export async function runConformance({ target, apiKey, seed = randomInt(1, 2 ** 47), timeoutMs = 10_000 }: ConformanceOptions): Promise<ConformanceReport> {
  if (typeof apiKey !== 'string' || apiKey === '') throw new RangeError('apiKey: expected a non-empty string');
  const transport: Transport & { path?: string } = typeof target === 'string' ? createUrlTransport(target, { maxSockets: 2 }) : createHandlerTransport(target);
  const path = transport.path ?? '/webhooks/passworks';
  const event = simulate({ seed, passes: 1, scenario: 'abandoned' }).events[0];
  if (event === undefined) throw new Error('the simulation gave no event');
  const results: ConformanceResult[] = [];
  try {
    for (const testCase of conformanceBattery(event, apiKey, path)) {
      let got: string;
      let pass = false;
      let note: string | undefined;
      try {
        const response = await transport.send(testCase.request, timeoutMs);
        got = String(response.status);
        pass = testCase.expected.accepts(response.status);
        if (pass) {
          note = testCase.check?.(response);
          if (note !== undefined) pass = false;
        }
      } catch (error) {
        got = error instanceof TransportError ? error.kind : 'network';
      }
      results.push({ id: testCase.id, name: testCase.name, expected: testCase.expected.description, got, pass, ...(note === undefined ? {} : { note }) });
    }
  } finally {
    transport.close();
  }
  const passed = results.filter((result) => result.pass).length;
  return {
    target: typeof target === 'string' ? safeTarget(target) : 'handler',
    pass: passed === results.length,
    passed,
    failed: results.length - passed,
    results,
  };
}
