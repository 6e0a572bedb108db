import { readFileSync } from 'node:fs';

const PRELUDE = /<!--\s*consumer-test prelude:([\s\S]*?)-->\s*$/;

/**
 * The TypeScript code blocks of a Markdown file (```ts and ```typescript),
 * each with its line and the prelude of an HTML comment right above it:
 * `<!-- consumer-test prelude: import express from 'express'; const app = express(); -->`.
 * @returns {{ line: number, prelude: string, code: string }[]}
 */
export function typeScriptBlocks(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^```(ts|typescript)\s*$/.test(lines[index])) continue;
    const start = index;
    const before = lines.slice(Math.max(0, start - 6), start).join('\n');
    const prelude = PRELUDE.exec(before)?.[1]?.trim() ?? '';
    const code = [];
    for (index += 1; index < lines.length && !/^```\s*$/.test(lines[index]); index += 1) code.push(lines[index]);
    blocks.push({ line: start + 1, prelude, code: code.join('\n') });
  }
  return blocks;
}

/**
 * The block as a module file: the prelude on the first line (so the block's
 * own lines keep their numbers, shifted by one), then the code, then
 * `export {}` so a block without imports is a module too.
 */
export function moduleSource({ prelude, code }) {
  return `${prelude.replace(/\s*\n\s*/g, ' ')}\n${code}\nexport {};\n`;
}
