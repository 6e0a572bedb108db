#!/usr/bin/env node
// Committed (not built) so npm links the bin at install, before any build;
// it runs the built entry, dist/bin.js.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('passworks-receiver: dist/bin.js is missing (this is an unbuilt checkout): run `npm run build` first, in the repository root.\n');
  process.exit(1);
}
await import(entry.href);
