// The HOME a Heroku-clean build runs with: as the builder's HOME is on Heroku,
// it is new and empty for each build, so nothing a tool keeps there (Poetry's
// download cache and config, pip's and uv's user config) comes from the user
// or survives the build. pybp makes it at the start of the build, in the
// machine's temp directory, and removes it at the end, whatever the end
// (success, failure, rollback, Ctrl-C; a second Ctrl-C, which exits at once,
// removes it on the way out). Only a killed pybp (SIGKILL) leaves one behind,
// as `pybp-home-*` in the temp directory.
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const BUILD_HOME_PREFIX = 'pybp-home-';

export interface BuildHome {
  readonly dir: string;
  /** Removes the directory and what the build's tools put in it; never throws. */
  remove(): Promise<void>;
}

export async function makeBuildHome(tmpRoot: string = os.tmpdir()): Promise<BuildHome> {
  const dir = await mkdtemp(path.join(tmpRoot, BUILD_HOME_PREFIX));
  // Private, as a user's HOME is: tools may write credentials there (keyring files, netrc caches).
  await chmod(dir, 0o700);
  let removed = false;
  // process.exit (a second Ctrl-C: "stop now") skips every finally block; this still runs.
  const onExit = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done while exiting
    }
  };
  process.once('exit', onExit);
  return {
    dir,
    async remove() {
      if (removed) return;
      removed = true;
      process.off('exit', onExit);
      // Retries cover a tool that was still closing its files when an interrupt ended the build.
      await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => undefined);
    },
  };
}
