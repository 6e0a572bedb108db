// A terse TAP reporter for `npm test` (tap's `reporter` option loads it):
// a failing test file is printed in full (its TAP, with the diff and stack);
// a passing one is one line with its duration; skipped and todo tests keep their line, so a
// test that skips says how to run it. tap's own summary comments and the
// coverage summary pass through. Full TAP: `TAP=1 npm test`.
// Plain text (no redraws), so CI logs and turbo's prefixes stay readable.
import { Transform } from 'node:stream';

const TOP_RESULT = /^(not )?ok \d+ - /;
const DIRECTIVE = /# (SKIP|TODO)\b/i;
/** tap's own duration comment on a file's result line, in ms: printed in seconds, so the slow files stand out. */
const TIME = / # time=([\d.]+)ms$/;

export default class TerseReporter extends Transform {
  #partial = '';
  #block = [];
  #inDiagnostic = false;
  #afterResult = false;
  #failed = false;
  #files = { pass: 0, fail: 0 };

  constructor() {
    super({ encoding: 'utf8' });
  }

  _transform(chunk, _encoding, done) {
    const lines = (this.#partial + chunk.toString()).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
    done();
  }

  _flush(done) {
    if (this.#partial) this.#line(this.#partial);
    if (this.#block.length > 0) this.push(`${this.#block.join('\n')}\n`);
    this.push(`# test files: ${this.#files.pass} passed, ${this.#files.fail} failed\n`);
    done();
  }

  #line(line) {
    // The YAML diagnostic right after a top-level result belongs to it: kept for a failure.
    if (this.#afterResult && line === '  ---') this.#inDiagnostic = true;
    this.#afterResult = false;
    if (this.#inDiagnostic) {
      if (this.#failed) this.push(`${line}\n`);
      if (line === '  ...') this.#inDiagnostic = false;
      return;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      this.#block.push(line);
      return;
    }
    const result = TOP_RESULT.exec(line);
    if (result !== null) {
      this.#failed = result[1] !== undefined;
      if (this.#failed) {
        this.#files.fail += 1;
        this.push(`${this.#block.join('\n')}\n${line}\n`);
      } else {
        this.#files.pass += 1;
        const directives = this.#block.filter((nested) => DIRECTIVE.test(nested)).map((nested) => `    ${nested.trim()}\n`);
        this.push(`${line.replace(TIME, (_, ms) => ` (${(Number(ms) / 1000).toFixed(1)} s)`)}\n${directives.join('')}`);
      }
      this.#block = [];
      this.#afterResult = true;
      return;
    }
    if (line.startsWith('# Subtest:')) {
      this.#block = [line];
      return;
    }
    // Top-level comments (tap's totals), the plan and anything else pass through.
    if (line !== '' && !line.startsWith('TAP version')) this.push(`${line}\n`);
  }
}
