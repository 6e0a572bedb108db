import type { ConformanceReport } from './run-conformance.js';

/** The pass/fail table a person reads: one row per case, expected vs got. */
export function formatConformance(report: ConformanceReport): string {
  const rows = report.results.map((result) => [
    result.pass ? 'PASS' : 'FAIL',
    result.name,
    result.expected,
    result.got + (result.note === undefined ? '' : ` (${result.note})`),
  ]);
  const header = ['', 'case', 'expected', 'got'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), '', `${report.passed}/${report.results.length} passed${report.pass ? '' : `, ${report.failed} failed`}`].join('\n');
}
