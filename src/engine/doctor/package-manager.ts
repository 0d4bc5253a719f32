// Package manager determination (spec §4) as the build does it, plus two
// things that make it fail for a reason the build's error can't name: a
// misspelled requirements file, and a lock file without its pyproject.toml.

import { determinePackageManager, findPackageManagerFiles, type PackageManagerFile } from '../analysis/package-manager.js';
import { PACKAGE_MANAGER_INFO, type PackageManager } from '../analysis/types.js';
import { MISSPELLED_REQUIREMENTS } from '../analysis/detect.js';
import { entryExists } from '../io/fs.js';
import { isPybpError } from '../core/errors.js';
import { fail, failFromError, pass } from './check.js';
import type { DoctorCheck } from './types.js';

const AREA = 'package manager';

export { MISSPELLED_REQUIREMENTS };

export async function checkPackageManager(
  appDir: string,
  listing: ReadonlySet<string>,
): Promise<{ check: DoctorCheck; packageManager: PackageManager | null; files: PackageManagerFile[] }> {
  const files = await findPackageManagerFiles(appDir, listing);
  try {
    const packageManager = await determinePackageManager(appDir, listing);
    const { displayName, marker } = PACKAGE_MANAGER_INFO[packageManager];
    return {
      check: pass('package-manager', AREA, `Package manager: ${displayName} (${marker}).`),
      packageManager,
      files,
    };
  } catch (err) {
    if (!isPybpError(err)) throw err;
    return { check: failFromError('package-manager', AREA, err), packageManager: null, files };
  }
}

/** Fails when no package manager file exists but a misspelled requirements file does. */
export async function checkMisspelledRequirements(
  appDir: string,
  listing: ReadonlySet<string>,
  files: readonly PackageManagerFile[],
): Promise<DoctorCheck> {
  const present: string[] = [];
  for (const name of MISSPELLED_REQUIREMENTS) {
    if (await entryExists(appDir, name, { listing })) present.push(name);
  }
  // With a package manager file present the build goes ahead; a stray file is harmless.
  if (present.length === 0 || files.length > 0) {
    return pass('requirements-spelling', AREA, 'No misspelled requirements file stands in for requirements.txt.');
  }
  const name = present[0];
  const isDir = await entryExists(appDir, name, { listing, directoryOnly: true });
  const others = present.length > 1 ? ` (also present: ${present.slice(1).join(', ')})` : '';
  if (isDir) {
    return fail(
      'requirements-spelling',
      AREA,
      `There is a ${name}/ directory${others} but no requirements.txt: the buildpack only reads a file named ` +
        `exactly requirements.txt in the app root, so the build would find no package manager file.`,
      `Create requirements.txt in the app root that includes the file you deploy with, e.g. a line ` +
        `"-r ${name}/production.txt".`,
      'no-package-manager',
    );
  }
  return fail(
    'requirements-spelling',
    AREA,
    `There is a ${name}${others} but no requirements.txt: the buildpack only reads a file named exactly ` +
      `requirements.txt (case-sensitive), so the build would find no package manager file.`,
    `Rename ${name} to requirements.txt (git mv "${name}" requirements.txt), then commit.`,
    'no-package-manager',
  );
}

/** Poetry and uv install from pyproject.toml; the lock file alone is not enough. */
export async function checkPyprojectPresent(
  appDir: string,
  listing: ReadonlySet<string>,
  pm: PackageManager,
): Promise<DoctorCheck | null> {
  if (pm === 'pip') return null;
  const { displayName, marker } = PACKAGE_MANAGER_INFO[pm];
  if (await entryExists(appDir, 'pyproject.toml', { listing })) {
    return pass('pyproject', AREA, `pyproject.toml is present next to ${marker}.`);
  }
  const command = pm === 'uv' ? 'uv sync' : 'poetry sync';
  return fail(
    'pyproject',
    AREA,
    `The app has ${marker} but no pyproject.toml. ${displayName} installs the project described by ` +
      `pyproject.toml, so \`${command}\` would fail during the build.`,
    `Add the pyproject.toml that ${marker} was generated from to the app root (and commit both).`,
    pm === 'uv' ? 'uv-sync-failed' : 'poetry-sync-failed',
  );
}
