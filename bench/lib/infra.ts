// The bench's hermetic world, made the way the end-to-end tests make theirs
// (test/global-setup.ts): deterministic test wheels and the tool wheelhouse
// served from one loopback index, and real pip, uv and Poetry apps resolved
// against it. Nothing here reaches PyPI once .test-cache is filled (the first
// test or bench run on a machine fills it).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makePipApp, makePoetryApp, makeUvApp } from '../../test/support/apps.js';
import { repoRoot } from '../../test/support/cache.js';
import { hermeticEnv } from '../../test/support/env.js';
import { startIndex, type IndexHandle } from '../../test/support/index-server.js';
import { makeTestWheels } from '../../test/support/test-wheels.js';
import { ensureTools, type Tools } from '../../test/support/tools.js';
import { ensureToolWheelhouse } from '../../test/support/wheelhouse.js';
// Not test/e2e/pybp.ts: that runs pybp through vitest's hooks, which plain node can't load.
import { BUILD_ENV_FLAGS, pybpBin as cli, writeToolsConfig } from '../../test/support/build-flags.js';

export { repoRoot };

export interface Infra {
  /** Holds the apps and every scratch directory; removed at the end. */
  root: string;
  index: IndexHandle;
  tools: Tools;
  apps: { pip: string; uv: string; poetry: string };
  close(): Promise<void>;
}

/** The dependency every app declares: tinyweb, which pulls in tinydep. */
const DEPENDENCIES = ['tinyweb==1.0.0'];

export async function setUpInfra(log: (line: string) => void): Promise<Infra> {
  // A space in the path, as in the tests: paths must be quoted everywhere.
  const root = await mkdtemp(join(tmpdir(), 'pybp bench-'));
  try {
    const wheels = join(root, 'wheels');
    await mkdir(wheels);
    await makeTestWheels(wheels);
    log('checking the tool wheelhouse and tools in .test-cache (downloads from PyPI only on a first run)');
    const wheelhouse = await ensureToolWheelhouse();
    const tools = await ensureTools();
    const index = await startIndex([wheels, wheelhouse]);
    const indexUrl = index.url;
    log(`loopback index at ${indexUrl}; making the apps`);
    const pip = await makePipApp(join(root, 'pip app'), { indexUrl, python: '3.12', requirements: DEPENDENCIES });
    const uv = await makeUvApp(join(root, 'uv app'), { indexUrl, python: '3.12', dependencies: DEPENDENCIES, devDependencies: ['tinydev==0.1.0'] });
    const poetry = await makePoetryApp(join(root, 'poetry app'), { indexUrl, python: '3.12', dependencies: DEPENDENCIES, devDependencies: ['tinydev==0.1.0'], requiresPython: '>=3.12,<3.14' });
    for (const app of [pip, uv, poetry]) await writeToolsConfig(app, indexUrl);
    return {
      root,
      index,
      tools,
      apps: { pip, uv, poetry },
      async close() {
        await index.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The environment pybp runs in: the tests' hermetic one, with plain output. */
export function pybpEnv(): NodeJS.ProcessEnv {
  return hermeticEnv({ CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' });
}

/** `node dist/cli.js <command> <app> --json --python-source local` (or another source) plus the tests' build env flags (`bin`: another checkout's). */
export function pybpArgv(command: 'build' | 'explain', app: string, extra: string[] = [], bin: string = cli, pythonSource: 'local' | 'heroku' = 'local'): string[] {
  return [process.execPath, bin, command, app, '--json', '--python-source', pythonSource, ...BUILD_ENV_FLAGS, ...extra];
}

/** The config vars BUILD_ENV_FLAGS gives every build, as a record (hand-run tools get the same). */
export function buildConfigVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (let i = 0; i < BUILD_ENV_FLAGS.length; i += 2) {
    const [key, ...rest] = BUILD_ENV_FLAGS[i + 1].split('=');
    vars[key] = rest.join('=');
  }
  return vars;
}

/** Imports a module of the built pybp (dist/), typed from its source. */
export async function importDist<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(join(repoRoot, 'dist', relative)).href)) as T;
}
