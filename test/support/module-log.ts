// Which modules a pybp process loads: for the tests that prove a quick
// command (`explain --json`, `--version`) never loads Ink or React. The bin
// may run ES modules (a terminal) or one CommonJS bundle (anything else,
// src/launcher.ts), so both are recorded: every ES module URL Node resolves
// (a resolve hook in Node's loader thread) and every CommonJS require.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from './apps.js';

export interface ModuleLog {
  /** Give this to the pybp process (NODE_OPTIONS) to record what it loads. */
  env: { NODE_OPTIONS: string };
  /** ES module URLs resolved so far. */
  resolved(): Promise<string[]>;
  /** CommonJS request strings required so far (`node:fs`, `ink`, `./x.js`). */
  required(): Promise<string[]>;
  remove(): Promise<void>;
}

/** Ink, React and pybp's Ink views, as a resolved URL or a required name. */
export const UI_MODULE = /[\\/]node_modules[\\/](ink|ink-spinner|react|react-reconciler|yoga-layout)[\\/]|[\\/]dist[\\/]chunks[\\/](ink-ui|render)\.js$|^(ink|ink-spinner|react|react-reconciler|yoga-layout)(\/|$)|ui[\\/]ink/;

export async function startModuleLog(): Promise<ModuleLog> {
  const dir = await makeTempDir('pybp-module-log-');
  const resolvedLog = path.join(dir, 'resolved.log');
  const requiredLog = path.join(dir, 'required.log');
  await writeFile(resolvedLog, '');
  await writeFile(requiredLog, '');
  await writeFile(
    path.join(dir, 'hooks.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      'let log;',
      'export function initialize(data) { log = data.log; }',
      'export async function resolve(specifier, context, next) {',
      '  const result = await next(specifier, context);',
      "  appendFileSync(log, result.url + '\\n');",
      '  return result;',
      '}',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'register.mjs'),
    ["import { register } from 'node:module';", `register('./hooks.mjs', import.meta.url, { data: { log: ${JSON.stringify(resolvedLog)} } });`].join('\n'),
  );
  await writeFile(
    path.join(dir, 'require-log.cjs'),
    [
      "const Module = require('node:module');",
      "const { appendFileSync } = require('node:fs');",
      'const load = Module._load;',
      `Module._load = function (request, ...rest) { appendFileSync(${JSON.stringify(requiredLog)}, request + '\\n'); return load.call(this, request, ...rest); };`,
    ].join('\n'),
  );
  const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return {
    env: { NODE_OPTIONS: `--import "${path.join(dir, 'register.mjs')}" --require "${path.join(dir, 'require-log.cjs')}"` },
    resolved: () => lines(resolvedLog),
    required: () => lines(requiredLog),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
