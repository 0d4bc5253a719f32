// Package manager determination (spec §4): exactly one marker file decides.
// `pyproject.toml`, Pipfile, setup.py... are never markers.

import { PybpError } from '../core/errors.js';
import { entryExists, listDir, type DirListing } from '../io/fs.js';
import { PACKAGE_MANAGER_INFO, PACKAGE_MANAGERS, type PackageManager } from './types.js';

export interface PackageManagerFile {
  packageManager: PackageManager;
  /** The marker file name, e.g. `requirements.txt`. */
  marker: string;
  /** As the buildpack writes it: `pip`, `Poetry`, `uv`. */
  displayName: string;
}

const UV_URL = 'https://docs.astral.sh/uv/';

/** Marker files present in `appDir`, in pip, Poetry, uv order. */
export async function findPackageManagerFiles(appDir: string, listing?: DirListing): Promise<PackageManagerFile[]> {
  const names = listing !== undefined ? listing : await listDir(appDir);
  const found: PackageManagerFile[] = [];
  for (const packageManager of PACKAGE_MANAGERS) {
    const { marker, displayName } = PACKAGE_MANAGER_INFO[packageManager];
    if (await entryExists(appDir, marker, { listing: names })) found.push({ packageManager, marker, displayName });
  }
  return found;
}

export async function determinePackageManager(appDir: string, listing?: DirListing): Promise<PackageManager> {
  const found = await findPackageManagerFiles(appDir, listing);
  if (found.length === 1) return found[0].packageManager;
  if (found.length === 0) throw noPackageManagerError(appDir);
  throw multiplePackageManagersError(appDir, found);
}

function markerList(): string {
  const markers = PACKAGE_MANAGERS.map((pm) => PACKAGE_MANAGER_INFO[pm].marker);
  return `${markers.slice(0, -1).join(', ')} or ${markers[markers.length - 1]}`;
}

function noPackageManagerError(appDir: string): PybpError {
  const markers = markerList();
  return new PybpError({
    code: 'no-package-manager',
    title: 'No supported package manager file found',
    message:
      `No supported Python package manager file was found in ${appDir}. The app needs a ${markers} ` +
      `file in its root directory. Things to check:`,
    details: [
      `the file is in the top-level directory of the app, not in a subdirectory`,
      `the file name is spelled exactly right, including upper/lower case (e.g. requirements.txt, not Requirements.txt)`,
      `the file is not excluded by .gitignore or project.toml`,
      `the file is committed to git (git add --all, then git commit)`,
    ],
    fix:
      `Add one of ${markers} to the app root. An empty requirements.txt is fine if the app has no ` +
      `dependencies. For new apps we recommend uv (${UV_URL}). See ` +
      `https://devcenter.heroku.com/articles/getting-started-with-python-fir and ` +
      `https://devcenter.heroku.com/articles/python-support`,
  });
}

function multiplePackageManagersError(appDir: string, found: readonly PackageManagerFile[]): PybpError {
  const lines = found.map((f) => `${f.marker} (${f.displayName})`);
  return new PybpError({
    code: 'multiple-package-managers',
    title: 'More than one package manager file found',
    message:
      `${appDir} contains files for more than one package manager: ${lines.join(', ')}. ` +
      `The Heroku Python buildpack needs exactly one of ${markerList()}, so it can tell which package manager to use.`,
    details: lines,
    fix:
      `Decide which package manager the app uses, keep its file and delete the other ` +
      `${found.length > 2 ? 'ones' : 'one'} of ${found.map((f) => f.marker).join(', ')}, along with any ` +
      `configuration that belongs only to the package manager you drop. For new apps we recommend uv (${UV_URL}).`,
  });
}
