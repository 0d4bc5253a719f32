// A module loader hook (node:module register) that runs the bench's
// TypeScript, and the test support it reuses, straight from their sources.
//
// Why not `tsc` into a build directory: test/support/cache.ts finds the repo
// (and with it .test-cache, the tool wheelhouse and the tools' install markers)
// relative to its own file, so a compiled copy elsewhere would look for a
// .test-cache that isn't there and start downloading from PyPI. Transpiling
// in place keeps every import.meta.url where the tests have it.
// Type-checking is separate: `npx tsc -p bench`.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function resolve(specifier, context, nextResolve) {
  // NodeNext sources import './x.js' for './x.ts'.
  if (context.parentURL?.endsWith('.ts') && /^\.\.?\//.test(specifier) && specifier.endsWith('.js')) {
    const asTs = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(asTs))) {
      return { url: asTs.href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
