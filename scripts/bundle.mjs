// `npm run build`, after tsc: bundles the CLI so that a command loads a few
// files instead of ~100 modules (Node 20 has no compile cache, and every ESM
// module costs a resolve, a read and a compile).
//
// Input is tsc's own output (dist/cli.js, the program, and what it imports),
// so the bundles run exactly the code tsc emitted; tsc's other files stay in
// dist/ for the tests that import engine modules directly. Output (the two
// programs sit beside the bin: cli.ts finds ../package.json from there):
//   cli.js              the bin: tsc's dist/launcher.js, bundled. It loads one
//                       of the two programs below (launcher.ts says which, why);
//   pybp.cjs            the whole program but the Ink views, as one CommonJS
//                       file, which the launcher compiles with a V8 code cache
//                       (code-cache.ts) when the output is not a terminal;
//   cli-tty.js          the program as ES modules, for a terminal:
//     chunks/pybp.js    the engine, the commands, the plain and JSON output, and
//                       the small packages they use (commander, chalk, smol-toml,
//                       pep440), loaded by every command;
//     chunks/ink-ui.js  the Ink views, loaded only when a terminal UI starts,
//                       with ink, react and ink-spinner left as packages.
// cosmiconfig stays a package: it is imported only for a YAML config file;
// undici too: only the registry client behind a proxy imports it.
import { chmod, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const staging = join(dist, '.bundle');
const inkUi = /[\\/]dist[\\/]ui[\\/]ink[\\/]/;
const entry = /[\\/]dist[\\/]cli\.js$/;
const packages = ['ink', 'react', /^react\//, 'ink-spinner', 'cosmiconfig', 'undici'];

await rm(staging, { recursive: true, force: true });

// The ES module program, for a terminal.
await build({
  input: join(dist, 'cli.js'),
  platform: 'node',
  external: [/^node:/, ...packages],
  // The launcher calls the entry's main() (strict is not allowed with these chunk groups).
  preserveEntrySignatures: 'allow-extension',
  // The plain doctor printer is also imported by the Ink doctor view: that
  // dynamic import cannot split, and does not need to.
  checks: { ineffectiveDynamicImport: false },
  output: {
    dir: staging,
    format: 'esm',
    entryFileNames: 'cli-tty.js',
    chunkFileNames: 'chunks/[name].js',
    codeSplitting: {
      // Only what matches a group goes into it: the Ink views must not pull the engine along.
      includeDependenciesRecursively: false,
      groups: [
        { name: 'ink-ui', test: (id) => inkUi.test(id) },
        // Everything else but the entry.
        { name: 'pybp', test: (id) => !inkUi.test(id) && !entry.test(id) },
      ],
    },
  },
});

// The CommonJS program, for any other output: one file, the Ink views left
// out (the launcher never runs this bundle when Ink could be chosen). It is
// compiled through vm.Script (code-cache.ts), where import() needs an
// experimental flag: so it must not call import() at all. Its external
// dynamic imports become a require of cosmiconfig or undici (CommonJS packages: the
// same exports either way) and, for the Ink views, a rejection.
const noDynamicImport = {
  name: 'pybp-no-dynamic-import',
  renderChunk(code) {
    const out = code
      .replaceAll('import("cosmiconfig")', 'Promise.resolve().then(() => require("cosmiconfig"))')
      .replaceAll('import("undici")', 'Promise.resolve().then(() => require("undici"))')
      .replaceAll('import("./ui/ink/render.js")', 'Promise.reject(new Error("pybp bug: the Ink UI was chosen in the bundle for output that is not a terminal"))');
    // JSDoc type imports (`@typedef { import("x") }`) are comments; any other import( is a call.
    const left = out.split('\n').filter((line) => /\bimport\(/.test(line) && !/^\s*\*/.test(line));
    if (left.length) throw new Error(`pybp.cjs would call import(), which vm.Script cannot run without a flag:\n${left.join('\n')}`);
    return out;
  },
};
await build({
  input: join(dist, 'cli.js'),
  platform: 'node',
  external: (id, importer) =>
    /^node:/.test(id) ||
    packages.some((p) => (typeof p === 'string' ? p === id : p.test(id))) ||
    (importer !== undefined && id.startsWith('.') && inkUi.test(resolve(dirname(importer), id))),
  preserveEntrySignatures: 'strict',
  plugins: [noDynamicImport],
  output: {
    file: join(staging, 'pybp.cjs'),
    format: 'cjs',
    // Pure ASCII and no comments: V8 holds a source with one non-ASCII
    // character (there were 60, in messages and comments) as a two-byte
    // string, twice the memory, decoded and hashed at every start; ASCII is
    // read as one-byte text. Without comments the file is 11% smaller.
    // Measured (warm uv rebuild): 362 -> 341 M instructions (callgrind);
    // loading the bundle 19.2 -> 16.8 ms CPU (median of 21 alternated runs).
    charset: 'ascii',
    comments: false,
    // The sources are ES modules: keep their strict mode.
    banner: '"use strict";',
    codeSplitting: false,
  },
});

// The bin.
await build({
  input: join(dist, 'launcher.js'),
  platform: 'node',
  // The ES module program is loaded at run time, from beside the bin.
  external: [/^node:/, /^\.\/cli-tty\.js$/],
  output: { file: join(staging, 'cli.js'), format: 'esm', codeSplitting: false },
});

await rm(join(dist, 'chunks'), { recursive: true, force: true });
await rename(join(staging, 'chunks'), join(dist, 'chunks'));
// pybp.cjs must stay ASCII (output.charset above): a stray character makes it two-byte text again.
const nonAscii = (await readFile(join(staging, 'pybp.cjs'), 'latin1')).search(/[^\x00-\x7f]/);
if (nonAscii !== -1) throw new Error(`pybp.cjs has a non-ASCII character at offset ${nonAscii}: see output.charset above`);
for (const file of ['cli-tty.js', 'pybp.cjs', 'cli.js']) await rename(join(staging, file), join(dist, file));
await rm(staging, { recursive: true, force: true });
await chmod(join(dist, 'cli.js'), 0o755);
