// What every test build of a real app gets, with no vitest import: the
// benchmarks (bench/lib/infra.ts, run by plain node) use it too.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './cache.js';

/** The built CLI. */
export const pybpBin = join(repoRoot, 'dist', 'cli.js');

/**
 * Config vars every test build gets: no root warning, no desktop keyring. The
 * machine's and the user's pip/uv/Poetry config is kept out by pybp itself
 * (its Heroku-clean build environment); tests rely on that, not on flags.
 */
export const BUILD_ENV_FLAGS = [
  '--env', 'PIP_ROOT_USER_ACTION=ignore',
  '--env', 'PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring',
];

/** Points the pip/Poetry/uv bootstraps at the loopback index (the tool wheelhouse). */
export async function writeToolsConfig(appDir: string, indexUrl: string): Promise<void> {
  await writeFile(join(appDir, '.buildpackrc.json'), JSON.stringify({ tools: { indexUrl } }, null, 2));
}
