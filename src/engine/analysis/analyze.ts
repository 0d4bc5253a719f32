// The project analysis, in the buildpack's order: detect, forbidden env vars,
// package manager, Python version. The first failure wins, exactly as on Heroku.

import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PybpError } from '../errors.js';
import { undecodableAppDirError } from '../path-encoding.js';
import { describeIoError, isNotFoundError, type DirListing } from '../fs-exists.js';
import { detect } from './detect.js';
import { checkForbiddenEnv } from './forbidden-env.js';
import { determinePackageManager } from './package-manager.js';
import { pythonNotices, pythonWarnings, readRequestedPython, resolvePython } from './python-version.js';
import type { ProjectAnalysis } from './types.js';

export async function analyzeProject(appDir: string, configVars: Record<string, string>): Promise<ProjectAnalysis> {
  const dir = resolve(appDir);
  const listing = await readAppDir(dir);

  const detected = await detect(dir, listing);
  if (!detected.detected) throw notAPythonAppError(dir);

  checkForbiddenEnv(configVars);
  const packageManager = await determinePackageManager(dir, listing);
  const { requested, origin } = await readRequestedPython(dir, packageManager, listing);
  const python = resolvePython(requested, origin);

  return {
    appDir: dir,
    packageManager,
    python,
    warnings: pythonWarnings(python),
    notices: pythonNotices(python),
  };
}

/** Checks the app directory itself and lists it once for every later check. */
async function readAppDir(dir: string): Promise<DirListing> {
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

function notAPythonAppError(dir: string): PybpError {
  return new PybpError({
    code: 'not-a-python-app',
    title: 'This does not look like a Python app',
    message:
      `No Python project files were found in ${dir}, so the Heroku Python buildpack would not run ` +
      `(detection fails). It looks for files such as requirements.txt, poetry.lock or uv.lock in the app's root directory.`,
    fix:
      'Run pybp on the directory that contains the app, and make sure it has a package manager file: ' +
      'requirements.txt (pip), poetry.lock (Poetry) or uv.lock (uv). An empty requirements.txt is fine ' +
      'if the app has no dependencies.',
  });
}
