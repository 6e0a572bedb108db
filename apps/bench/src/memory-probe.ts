/**
 * Preloaded into a server process by memory.ts (`node --import
 * memory-probe.js --expose-gc`): on SIGUSR2 it writes the process's memory
 * (`process.memoryUsage()`) as one JSON line to BENCH_MEMORY_FILE; on SIGHUP
 * it collects garbage first (after a flood: what is still held).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_FILE;
const sample = (collected: boolean): void => {
  if (file !== undefined) writeFileSync(file, `${JSON.stringify({ ...process.memoryUsage(), collected })}\n`);
};
process.on('SIGUSR2', () => sample(false));
process.on('SIGHUP', () => {
  (globalThis as { gc?: () => void }).gc?.();
  sample(true);
});
