#!/usr/bin/env node
// The consumer test: what a user installs from npm works as the READMEs say.
// Builds, packs every publishable workspace, installs the tarballs into a fresh
// project outside the workspace (no workspace links; third-party packages from
// the registry), then checks, in that project:
//   - every tarball holds every file its `exports` and `bin` name;
//   - every package its declarations import is a dependency (or peer), and so is
//     its @types package when it ships no types;
//   - every TypeScript block of every README, and an import of every entry
//     point, type-check with `strict` and without skipLibCheck;
//   - every entry point loads with require() and with import();
//   - the packed receiver starts, and the packed emitter's conformance battery,
//     a short run and a verify pass against it (127.0.0.1, bounded);
//   - publint --strict and attw --profile esm-only pass on every tarball.
// Usage: npm run test:consumer [-- --keep]   (--keep leaves the temporary project for a look)
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleSource, typeScriptBlocks } from './consumer-test/readme-blocks.mjs';
import { runCommand, startProcess } from './consumer-test/run-command.mjs';
import { declarationImports, entryPoints, namedFiles, packageNameOf, publishableWorkspaces, typesPackageOf } from './consumer-test/workspaces.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'passworks-consumer-'));
const app = join(work, 'app');
const tarballs = join(work, 'tarballs');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const failures = [];

function section(title) {
  console.log(`\n== ${title}`);
}
function fail(what, detail = '') {
  failures.push(what);
  console.log(`FAIL ${what}${detail ? `\n${detail.trimEnd()}` : ''}`);
}
function pass(what) {
  console.log(`ok   ${what}`);
}
function mustRun(what, command, args, options) {
  const result = runCommand(command, args, options);
  if (!result.ok) {
    fail(what, `${result.stdout}\n${result.stderr}`);
    finish();
  }
  return result;
}
function finish() {
  if (keep) console.log(`\nkept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
  if (failures.length > 0) {
    console.log(`\nconsumer test: ${failures.length} failure(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nconsumer test: every check passed');
  process.exit(0);
}

const workspaces = publishableWorkspaces(root);
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

section('build');
mustRun('npm run build', 'npm', ['run', 'build', '--silent'], { cwd: root, timeoutMs: 600_000 });
pass('every package built');

section('pack (each package runs its prepack build)');
mkdirSync(tarballs);
const packed = new Map();
for (const workspace of workspaces) {
  const result = mustRun(`npm pack ${workspace.dir}`, 'npm', ['pack', '--json', '--pack-destination', tarballs, '-w', workspace.dir], {
    cwd: root,
    timeoutMs: 300_000,
  });
  const [info] = JSON.parse(result.stdout.slice(result.stdout.search(/^\[/m)));
  const files = new Set(info.files.map((file) => file.path));
  const missing = namedFiles(workspace.manifest).filter((file) => !files.has(file));
  if (missing.length > 0) fail(`${workspace.name}: the tarball misses files its exports/bin name: ${missing.join(', ')}`);
  else if (!files.has('LICENSE')) fail(`${workspace.name}: the tarball has no LICENSE`);
  else pass(`${workspace.name}: ${info.filename}, every file its exports/bin name, LICENSE`);
  packed.set(workspace.name, {
    ...workspace,
    tarball: join(tarballs, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    fileCount: info.entryCount,
  });
}
console.log('\n| package | tarball | unpacked | files |\n| --- | ---: | ---: | ---: |');
for (const p of packed.values()) console.log(`| ${p.name} | ${(p.size / 1024).toFixed(1)} kB | ${(p.unpackedSize / 1024).toFixed(1)} kB | ${p.fileCount} |`);

section('publint --strict and attw --profile esm-only, on each tarball');
for (const p of packed.values()) {
  const publint = runCommand(bin('publint'), ['run', p.tarball, '--strict'], { cwd: work });
  if (publint.ok) pass(`publint ${p.name}`);
  else fail(`publint --strict ${p.name}`, publint.stdout + publint.stderr);
  const attw = runCommand(bin('attw'), [p.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji', '--no-color'], { cwd: work });
  if (attw.ok) pass(`attw ${p.name}`);
  else fail(`attw --profile esm-only ${p.name}`, attw.stdout + attw.stderr);
}

section('install the tarballs into a fresh project (outside the workspace, no links)');
mkdirSync(app);
const devVersion = (name) => rootManifest.devDependencies[name];
const expressManifest = workspaces.find((w) => w.name === '@passworks-webhooks/express')?.manifest ?? {};
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify(
    {
      name: 'passworks-consumer',
      private: true,
      type: 'module',
      dependencies: {
        ...Object.fromEntries([...packed.values()].map((p) => [p.name, `file:${relative(app, p.tarball)}`])),
        express: expressManifest.devDependencies?.express ?? '^5',
        hono: '^4',
      },
      devDependencies: {
        '@types/express': expressManifest.devDependencies?.['@types/express'] ?? '^5',
        '@types/node': devVersion('@types/node'),
        typescript: devVersion('typescript'),
      },
    },
    null,
    2,
  ),
);
// Install scripts off, then better-sqlite3's native binding: the workspace's own build when it is the
// same version for this Node (compiling SQLite again takes minutes and tests nothing of ours), else a rebuild.
mustRun('npm install in the consumer project', 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
  cwd: app,
  timeoutMs: 900_000,
});
const installed = (name) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
const nativeBuild = join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
if (
  existsSync(nativeBuild) &&
  JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')).version === installed('better-sqlite3').version
) {
  cpSync(join(root, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), { recursive: true });
} else {
  mustRun('npm rebuild better-sqlite3', 'npm', ['rebuild', 'better-sqlite3', '--loglevel=error'], { cwd: app, timeoutMs: 900_000 });
}
for (const p of packed.values()) {
  if (!existsSync(join(app, 'node_modules', p.name, 'package.json')) || runCommand('test', ['-L', join(app, 'node_modules', p.name)]).ok) {
    fail(`${p.name} is not installed from its tarball`);
  }
}
pass(`installed ${packed.size} tarballs, express, hono, typescript ${installed('typescript').version}`);

section('declarations import only declared packages');
const builtins = new Set(builtinModules);
const shipsTypes = (name) => {
  if (!existsSync(join(app, 'node_modules', name, 'package.json'))) return false;
  const manifest = installed(name);
  return Boolean(
    manifest.types ||
    manifest.typings ||
    JSON.stringify(manifest.exports ?? {}).includes('"types"') ||
    existsSync(join(app, 'node_modules', name, 'index.d.ts')),
  );
};
for (const p of packed.values()) {
  const declared = new Set(Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies }));
  const problems = new Set();
  for (const { file, specifier } of declarationImports(root, p.dir)) {
    const name = packageNameOf(specifier);
    if (specifier.startsWith('node:') || builtins.has(name) || name === p.name) continue;
    if (!declared.has(name)) problems.add(`${file} imports '${specifier}', not a dependency or peer`);
    else if (!shipsTypes(name) && !declared.has(typesPackageOf(name))) {
      problems.add(`${file} imports '${specifier}', whose types come from ${typesPackageOf(name)}, not a dependency or peer`);
    }
  }
  if (problems.size > 0) fail(`${p.name}: declarations need undeclared packages`, [...problems].map((line) => `  ${line}`).join('\n'));
  else pass(`${p.name}: every package its declarations import is declared`);
}

section('type-check every README TypeScript block and every entry point (strict, no skipLibCheck)');
const readmes = ['README.md', ...workspaces.map((w) => `${w.dir}/README.md`)].filter((file) => existsSync(join(root, file)));
mkdirSync(join(app, 'readme'));
const blockFiles = new Map();
for (const readme of readmes) {
  for (const block of typeScriptBlocks(join(root, readme))) {
    const name = `readme/${readme.replaceAll('/', '_').replace(/\.md$/, '')}_L${block.line}.ts`;
    writeFileSync(join(app, name), moduleSource(block));
    blockFiles.set(name, { readme, line: block.line });
  }
}
const specifiers = [...packed.values()].flatMap((p) => entryPoints(p.manifest));
writeFileSync(
  join(app, 'entry-points.ts'),
  `${specifiers.map((s, i) => `import * as entry${i} from '${s}';`).join('\n')}\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`,
);
writeFileSync(join(app, 'readme-globals.d.ts'), readFileSync(join(root, 'scripts/consumer-test/readme-globals.d.ts')));
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
    },
    include: ['readme/*.ts', 'entry-points.ts', 'readme-globals.d.ts'],
  }),
);
const tsc = runCommand(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app, timeoutMs: 300_000 });
// Point each error at its README line: a block file's line n is the README's line (fence + n - 1).
const tscOutput = (tsc.stdout + tsc.stderr).replace(/^(readme\/[^(]+)\((\d+),(\d+)\)/gm, (whole, file, line, column) => {
  const block = blockFiles.get(file);
  return block === undefined ? whole : `${block.readme}:${block.line + Number(line) - 1}:${column}`;
});
if (tsc.ok) pass(`${blockFiles.size} README blocks of ${readmes.length} READMEs and ${specifiers.length} entry points type-check`);
else fail('README blocks or entry points do not type-check', tscOutput);

section('require() and import() every entry point');
const list = JSON.stringify(specifiers);
const required = runCommand(process.execPath, ['-e', `for (const s of ${list}) require(s)`], { cwd: app });
if (required.ok) pass(`require() of ${specifiers.length} entry points`);
else fail('require() of an entry point', required.stderr);
const imported = runCommand(process.execPath, ['--input-type=module', '-e', `for (const s of ${list}) await import(s)`], { cwd: app });
if (imported.ok) pass(`import() of ${specifiers.length} entry points`);
else fail('import() of an entry point', imported.stderr);

section('the packed receiver against the packed emitter (127.0.0.1)');
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const base = `http://127.0.0.1:${port}`;
const url = `${base}/webhooks/passworks`;
const apiKey = 'consumer-test-key-0123456789';
const adminToken = 'consumer-test-admin-token-0123456789';
const env = {
  ...process.env,
  PASSWORKS_API_KEY: apiKey,
  ADMIN_TOKEN: adminToken,
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'warn',
  DATABASE_PATH: join(work, 'data', 'receiver.db'),
  CI: 'true',
};
const receiver = startProcess(join(app, 'node_modules/.bin/passworks-receiver'), [], { cwd: app, env });
try {
  let ready = false;
  for (let attempt = 0; attempt < 100 && !ready && receiver.child.exitCode === null; attempt += 1) {
    ready = await fetch(`${base}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!ready) fail('the packed receiver did not become ready within 20 s', receiver.output());
  else {
    pass(`passworks-receiver ready on ${base}`);
    const emitter = join(app, 'node_modules/.bin/passworks-emitter');
    const steps = [
      ['conformance', ['conformance', '--url', url, '--api-key', apiKey, '--timeout-ms', '5000']],
      [
        'run',
        [
          'run',
          '--url',
          url,
          '--api-key',
          apiKey,
          '--passes',
          '40',
          '--seed',
          '9',
          '--duplicates',
          '0.1',
          '--reorder',
          '0.1',
          '--invalid',
          '0.02',
          '--bad-auth',
          '0.02',
          '--time-scale',
          '0.02',
          '--timeout-ms',
          '5000',
          '--report',
          join(work, 'run.json'),
        ],
      ],
      ['verify', ['verify', '--report', join(work, 'run.json'), '--receiver', base, '--admin-token', adminToken]],
    ];
    for (const [name, args] of steps) {
      const result = runCommand(emitter, args, { cwd: app, env, timeoutMs: 120_000 });
      if (result.ok) pass(`passworks-emitter ${name}: ${result.stdout.trim().split('\n').pop()}`);
      else fail(`passworks-emitter ${name} (exit ${result.status})`, result.stdout + result.stderr);
    }
  }
} finally {
  const { code, signal } = await receiver.stop();
  if (code !== 0 && signal === null) fail(`the receiver exited with ${code} on SIGTERM`, receiver.output());
}

finish();
