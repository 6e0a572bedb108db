import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The workspaces npm would publish (`private` unset), from the root
 * `workspaces` globs of the form `dir/*`.
 * @returns {{ dir: string, name: string, manifest: Record<string, any> }[]}
 */
export function publishableWorkspaces(root) {
  const globs = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
  const found = [];
  for (const glob of globs) {
    const parent = glob.replace(/\/\*$/, '');
    for (const entry of readdirSync(join(root, parent)).sort()) {
      const file = join(root, parent, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private !== true) found.push({ dir: `${parent}/${entry}`, name: manifest.name, manifest });
    }
  }
  return found;
}

/** The export subpaths of a manifest (`.`, `./node`, ...) as import specifiers. */
export function entryPoints(manifest) {
  return Object.keys(manifest.exports ?? { '.': null }).map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
}

/** Every file path an `exports` map or `bin` names, without the leading `./`. */
export function namedFiles(manifest) {
  const files = new Set();
  const walk = (node) => {
    if (typeof node === 'string') files.add(node.replace(/^\.\//, ''));
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(manifest.exports);
  walk(typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin ?? {}));
  if (typeof manifest.types === 'string') walk(manifest.types);
  return [...files].sort();
}

/** Every file the package's declarations import from another package: `{ file, specifier }`. */
export function declarationImports(root, dir) {
  const found = [];
  const visit = (relative) => {
    const full = join(root, dir, relative);
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.d.ts')) {
        const text = readFileSync(join(root, dir, path), 'utf8');
        for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"./][^'"]*)['"]/g)) {
          found.push({ file: path, specifier: match[1] });
        }
      }
    }
  };
  if (existsSync(join(root, dir, 'dist'))) visit('dist');
  return found;
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
export function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The DefinitelyTyped package of `name`: `express` -> `@types/express`, `@a/b` -> `@types/a__b`. */
export function typesPackageOf(name) {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}
