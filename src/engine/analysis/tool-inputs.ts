// The app files pip, Poetry and uv read during the build. pybp hands them
// over unread, so it checks them first with the same rule as every file it
// reads itself (app-file.ts): a FIFO would hang the tool and a device would
// feed it forever, so each must be a regular file within its kind's cap.
// Planning runs this, so explain stops on the same file the build would.

import { join } from 'node:path';
import { type AppFileKind, checkAppFile } from '../io/app-file.js';
import { isPybpError } from '../core/errors.js';
import type { PackageManager } from './types.js';

export const TOOL_INPUTS: Readonly<Record<PackageManager, ReadonlyArray<{ name: string; kind: AppFileKind }>>> = {
  pip: [{ name: 'requirements.txt', kind: 'requirements' }],
  poetry: [
    { name: 'pyproject.toml', kind: 'pyproject' },
    { name: 'poetry.lock', kind: 'lock-file' },
  ],
  uv: [
    { name: 'pyproject.toml', kind: 'pyproject' },
    { name: 'uv.lock', kind: 'lock-file' },
  ],
};

/**
 * Throws `app-file-not-regular` / `app-file-too-large` for the first input
 * of `pm` that is one. A missing file, or one that can't be stat'ed, is left
 * to the tool, which reports it as it would on Heroku.
 */
export async function checkToolInputs(appDir: string, pm: PackageManager): Promise<void> {
  for (const { name, kind } of TOOL_INPUTS[pm]) {
    try {
      await checkAppFile(join(appDir, name), kind);
    } catch (err) {
      if (isPybpError(err)) throw err;
    }
  }
}
