// The app directory itself (before detection): it must exist, be a
// directory and be readable. Listed once here for every later check; build,
// explain and doctor all go through this, so they say the same thing.

import { readdir, stat } from 'node:fs/promises';
import { PybpError } from '../core/errors.js';
import { describeIoError, isNotFoundError } from '../io/fs.js';
import { undecodableAppDirError } from '../io/path-encoding.js';

/** Checks the app directory itself and lists it once for every later check. */
export async function readAppDir(dir: string): Promise<ReadonlySet<string>> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (err) {
    if (isNotFoundError(err)) {
      throw undecodableAppDirError(dir) ?? new PybpError({
        code: 'app-dir-not-found',
        title: 'App directory not found',
        message: `The app directory ${dir} does not exist.`,
        fix: 'Check the path, or run pybp from inside the app directory.',
      });
    }
    throw unreadableError(dir, err);
  }
  if (!isDirectory) {
    throw new PybpError({
      code: 'app-dir-not-a-directory',
      title: 'The app path is not a directory',
      message: `${dir} is a file, not a directory. pybp builds a whole app directory.`,
      fix: 'Pass the directory that contains the app (the one with requirements.txt, poetry.lock or uv.lock).',
    });
  }
  try {
    return new Set(await readdir(dir));
  } catch (err) {
    throw unreadableError(dir, err);
  }
}

function unreadableError(dir: string, cause: unknown): PybpError {
  const detail = describeIoError(cause);
  return new PybpError(
    {
      code: 'app-dir-unreadable',
      title: "Couldn't read the app directory",
      message: `The app directory ${dir} could not be read: ${detail}`,
      details: [detail],
      fix: `Check that ${dir} and the directories above it can be read by your user (permissions, symlinks).`,
    },
    { cause },
  );
}
