// Module hooks that run the TypeScript sources and tests in tap's test processes
// (registered by tap-typescript.mjs): esbuild strips the types of each .ts file,
// printed line by line (not minified, as tsx does) with an inline source map, so
// V8 coverage maps back to the right lines. They replace ts-node (the
// @tapjs/typescript plugin), whose TypeScript emitter and resolver cost about
// 1.5 s of CPU in every test process. No type-checking here, as with ts-node's
// transpile-only: `npm run check-types` does that.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** What esbuild needs of tsconfig.json's compiler options (target ES2023). */
const TSCONFIG = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } };

/** `./x.js` names `./x.ts` in the sources (NodeNext): tried when no `.js` file exists. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/\.m?js$/.test(specifier)) throw error;
    return nextResolve(specifier.replace(/js$/, 'ts'), context);
  }
}

export async function load(url, context, nextLoad) {
  const file = url.startsWith('file:') ? new URL(url) : undefined;
  if (file === undefined || !/\.m?ts$/.test(file.pathname)) return nextLoad(url, context);
  const path = fileURLToPath(file);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path,
    tsconfigRaw: TSCONFIG,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
