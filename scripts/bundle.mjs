// `npm run build`, after tsc: bundles the CLI so that a command loads 2–4 files
// instead of ~100 modules (Node 20 has no compile cache, and every ESM module
// costs a resolve, a read and a compile: measured ~20% of a warm rebuild's own
// time on a loaded 2-core machine, see bench/RESULTS.md).
//
// Input is tsc's own output (dist/cli.js and what it imports), so the bundle
// runs exactly the code tsc emitted; tsc's other files stay in dist/ for the
// tests that import engine modules directly. Output replaces dist/cli.js (the
// bin) and adds dist/chunks/:
//   chunks/pybp.js    the engine, the commands, the plain and JSON output, and
//                     the small packages they use (commander, chalk, smol-toml,
//                     pep440), loaded by every command;
//   chunks/ink-ui.js  the Ink views, loaded only when a terminal UI starts,
//                     with ink, react and ink-spinner left as packages;
//   a few facade chunks for the commands' dynamic imports.
// cosmiconfig stays a package: it is imported only for a YAML config file.
import { chmod, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const staging = join(dist, '.bundle');
const inkUi = /[\\/]dist[\\/]ui[\\/]ink[\\/]/;
const entry = /[\\/]dist[\\/]cli\.js$/;

await rm(staging, { recursive: true, force: true });
await build({
  input: join(dist, 'cli.js'),
  platform: 'node',
  external: [/^node:/, 'ink', 'react', /^react\//, 'ink-spinner', 'cosmiconfig'],
  // The entry's exports mean nothing to anyone (it is a program).
  preserveEntrySignatures: false,
  // The plain doctor printer is also imported by the Ink doctor view: that
  // dynamic import cannot split, and does not need to.
  checks: { ineffectiveDynamicImport: false },
  output: {
    dir: staging,
    format: 'esm',
    entryFileNames: 'cli.js',
    chunkFileNames: 'chunks/[name].js',
    codeSplitting: {
      // Only what matches a group goes into it: the Ink views must not pull the engine along.
      includeDependenciesRecursively: false,
      groups: [
        { name: 'ink-ui', test: (id) => inkUi.test(id) },
        // Everything else but the entry (which must stay apart: the chunks it
        // imports dynamically would otherwise wait on its top-level await).
        { name: 'pybp', test: (id) => !inkUi.test(id) && !entry.test(id) },
      ],
    },
  },
});
await rm(join(dist, 'chunks'), { recursive: true, force: true });
await rename(join(staging, 'chunks'), join(dist, 'chunks'));
await rename(join(staging, 'cli.js'), join(dist, 'cli.js'));
await rm(staging, { recursive: true, force: true });
await chmod(join(dist, 'cli.js'), 0o755);
