// uv and Poetry for the tests' own use (generating lock files), installed once
// per machine from the wheelhouse, offline, into `.test-cache/tools/`.
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UV_VERSION } from '../../src/engine/core/versions.js';
import { ensureCacheEntry, testCacheDir } from './cache.js';
import { hermeticEnv, run } from './env.js';
import { pythonFor, pythonPrefixFor } from './pythons.js';
import { ensureToolWheelhouse, TOOL_PINS } from './wheelhouse.js';

export const toolsDir = join(testCacheDir, 'tools');
const TOOLS_PYTHON = '3.12';

export interface Tools {
  /** `.test-cache/tools/uv/bin/uv` */
  uv: string;
  /** `.test-cache/tools/poetry/bin/poetry` (a venv on pyenv's 3.12) */
  poetry: string;
}

let pending: Promise<Tools> | undefined;

export function ensureTools(): Promise<Tools> {
  pending ??= install().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function install(): Promise<Tools> {
  const wheelhouse = await ensureToolWheelhouse();
  const python = pythonFor(TOOLS_PYTHON);
  const offline = ['--no-index', '--find-links', wheelhouse, '--quiet'];
  const env = hermeticEnv();

  const [uvDir, poetryDir] = await Promise.all([
    ensureCacheEntry(join(toolsDir, 'uv'), { uv: TOOL_PINS.uv }, (dir) =>
      // The uv wheel carries the binary: --target leaves it at <dir>/bin/uv.
      run(python, ['-m', 'pip', 'install', ...offline, '--no-compile', '--target', dir, `uv==${TOOL_PINS.uv}`], { env }).then(() => {}),
    ),
    // Built in place (not in a temp dir renamed afterwards), and rebuilt if the
    // checkout moves: a venv's scripts carry its absolute path in their shebangs.
    ensureCacheEntry(join(toolsDir, 'poetry'), { poetry: TOOL_PINS.poetry, python: pythonPrefixFor(TOOLS_PYTHON), at: join(toolsDir, 'poetry') }, async (dir) => {
      await run(python, ['-m', 'venv', '--without-pip', dir], { env });
      await run(python, ['-m', 'pip', '--python', join(dir, 'bin', 'python'), 'install', ...offline, `poetry==${TOOL_PINS.poetry}`], { env });
    }),
  ]);
  return { uv: join(uvDir, 'bin', 'uv'), poetry: join(poetryDir, 'bin', 'poetry') };
}

/**
 * Makes `cacheHome` (an XDG_CACHE_HOME) hold pybp's own copy of the pinned uv,
 * where a build with python.source uv leaves it: doctor finds it there and
 * installs nothing (only uv's own binary runs).
 */
export async function cacheHomeWithPinnedUv(cacheHome: string): Promise<string> {
  const bin = join(cacheHome, 'pybp', 'tools', `uv-${UV_VERSION}`, 'bin');
  await mkdir(bin, { recursive: true });
  await copyFile((await ensureTools()).uv, join(bin, 'uv'));
  await chmod(join(bin, 'uv'), 0o755);
  return cacheHome;
}
