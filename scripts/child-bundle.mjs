// For tests that start a command or fixture in its own process: bundles its
// TypeScript entry and the workspace sources it imports (resolved with the
// @passworks-webhooks/source condition, as the tests import them) into one
// JavaScript file that plain `node` runs, without a TypeScript loader. Through
// tsx each of the hundreds of modules a receiver loads went through its hooks:
// about 2.2 s of CPU per receiver process under tap; bundled, about 1.5 s (of
// which about 1 s is tap's processinfo, which every child loads). Third-party
// packages stay external, loaded from node_modules as usual. Bundled from the
// current sources once per test process and entry: no build to keep up to date.
import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Bundles made or being made by this process: entry -> its bundle's path (one build for concurrent calls). */
const made = new Map();

/** Bare specifiers other than the workspace's own packages stay imports. */
const thirdPartyExternal = {
  name: 'third-party-external',
  setup(bundler) {
    bundler.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith('@passworks-webhooks/') ? undefined : { path, external: true }));
  },
};

/** The directory of the package.json nearest above `file`. */
function packageRoot(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/**
 * The path of a bundle of `entry` (an absolute .ts path). It is written to
 * `<package>/.tap/bundles/`, two levels below the package as `src/<dir>/` is,
 * so a URL a module makes from import.meta.url (`../../dist/ui/`) names the
 * same file it does from source. Written under a temporary name and renamed,
 * so a test process running alongside never starts a half-written file.
 */
export function childBundle(entry) {
  let bundle = made.get(entry);
  if (bundle === undefined) {
    bundle = bundleOnce(entry);
    made.set(entry, bundle);
  }
  return bundle;
}

async function bundleOnce(entry) {
  const dir = join(packageRoot(entry), '.tap', 'bundles');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${basename(entry, '.ts')}.mjs`);
  const temporary = `${path}.${process.pid}.tmp`;
  await build({
    entryPoints: [entry],
    outfile: temporary,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@passworks-webhooks/source'],
    plugins: [thirdPartyExternal],
    logLevel: 'error',
  });
  renameSync(temporary, path);
  return path;
}
