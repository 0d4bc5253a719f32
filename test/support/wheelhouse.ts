// The wheels of the tools the buildpack installs (pip, Poetry with all its
// dependencies, uv), at the versions it pins (spec §9), downloaded from PyPI once
// per machine into `.test-cache/wheelhouse`. Everything after that is offline:
// the loopback index serves these wheels, and `ensureTools()` installs from them.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POETRY_REQUIREMENTS, UV_REQUIREMENTS } from '../../src/engine/tools/pinned-hashes.js';
import { ensureCacheEntry, testCacheDir } from './cache.js';
import { hermeticEnv, run } from './env.js';
import { pythonFor, type PythonMinor } from './pythons.js';

export const TOOL_PINS = { pip: '26.1.2', poetry: '2.4.1', uv: '0.11.33' } as const;

/**
 * Interpreters the wheelhouse is complete for: every minor `pythonFor` serves,
 * since build tests use `.python-version` 3.10 to 3.13 and the buildpack installs
 * Poetry into the app's own Python. Poetry depends on compiled packages (cffi,
 * msgpack, rapidfuzz, dulwich...), whose wheels are per CPython minor; each extra
 * minor costs about 6 s, once per machine.
 */
export const WHEELHOUSE_PYTHONS: readonly PythonMinor[] = ['3.10', '3.11', '3.12', '3.13'];

export const wheelhouseDir = join(testCacheDir, 'wheelhouse');

let pending: Promise<string> | undefined;

export function ensureToolWheelhouse(): Promise<string> {
  // pybp installs uv and Poetry with --require-hashes from the pins in its source: the wheelhouse holds exactly those files.
  const hashes = createHash('sha256').update(UV_REQUIREMENTS).update(POETRY_REQUIREMENTS).digest('hex').slice(0, 16);
  pending ??= ensureCacheEntry(wheelhouseDir, { pins: TOOL_PINS, pythons: WHEELHOUSE_PYTHONS, hashes }, download).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function download(dir: string): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'pybp-wheelhouse-'));
  try {
    const hashed = join(scratch, 'pinned.txt');
    await writeFile(hashed, UV_REQUIREMENTS + POETRY_REQUIREMENTS);
    // One interpreter at a time: each evaluates the pins' environment markers for
    // itself, and pip skips files an earlier pass already put in `dir`.
    for (const minor of WHEELHOUSE_PYTHONS) {
      const pip = (args: string[]) =>
        run(
          pythonFor(minor),
          ['-m', 'pip', 'download', '--quiet', '--no-cache-dir', '--only-binary=:all:', '--dest', dir, ...args],
          // hermeticEnv sets PIP_CONFIG_FILE=/dev/null and drops PIP_FIND_LINKS and
          // friends, so this reads PyPI alone, without this machine's constraints.
          { env: hermeticEnv() },
        );
      await pip(['--require-hashes', '--requirement', hashed]);
      await pip([`pip==${TOOL_PINS.pip}`]);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
