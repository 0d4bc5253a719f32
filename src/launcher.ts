#!/usr/bin/env -S node --
// pybp's bin (`npm run build` bundles this file as dist/cli.js): loads the
// program (cli.ts) the cheapest way the output allows, then runs it.
//
// - Output to a terminal may become an Ink UI: the ES module bundle
//   (cli-tty.js and its chunks/), whose Ink views load ink and react, ES
//   modules only.
// - Anything else (--json, CI, a pipe, a file: every test, CI job and script)
//   never shows Ink (options.ts: Ink needs stdout to be a terminal): one
//   CommonJS bundle without the Ink views (pybp.cjs), compiled with a
//   V8 code cache in pybp's cache directory, authenticated with a key in
//   pybp's state directory (code-cache.ts). Measured
//   (bench/RESULTS.md): 20-35 ms less CPU for a warm uv rebuild, 13 ms for
//   --version, than the ES module bundle.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';
import { pybpCacheDir, pybpStateDir } from './engine/io/cache-dir.js';

/** The commands (`pybp build ...`) that each keep a code cache of their own (code-cache.ts); anything else shares one. */
const COMMANDS = new Set(['build', 'explain', 'doctor', 'run', 'history', 'cache']);

interface Program {
  main(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
let program: Program;
if (process.stdout.isTTY) {
  // A variable: tsc does not look for a file that only the bundler makes.
  const ttyEntry = './cli-tty.js';
  program = (await import(ttyEntry)) as Program;
} else {
  const bundle = path.join(here, 'pybp.cjs');
  const command = process.argv[2];
  program = requireWithCodeCache(bundle, {
    dir: path.join(pybpCacheDir(), 'code-cache'),
    keyFile: path.join(pybpStateDir(), 'code-cache.key'),
    variant: command !== undefined && COMMANDS.has(command) ? command : undefined,
  }) as Program;
}
await program.main();
