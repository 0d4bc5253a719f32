// `pybp doctor`: every condition of the buildpack's pre-build checks
// (spec §2–§5, §12), plus what uv, Poetry, git and Heroku would trip on,
// collected all at once. The rules live in ../analysis; doctor runs them
// on the whole app instead of stopping at the first failure.

import { resolve } from 'node:path';
import type { PackageManagerFile } from '../analysis/package-manager.js';
import type { PackageManager, ResolvedPython } from '../analysis/types.js';
import { loadConfig } from '../config.js';
import type { PlanOptions } from '../plan.js';
import { attempt, guard } from './check.js';
import { checkGit } from './git.js';
import { checkConfigVars, checkProcfile } from './heroku.js';
import { checkMisspelledRequirements, checkPackageManager, checkPyprojectPresent } from './package-manager.js';
import { checkAppDir, checkDetection, checkTomlFiles } from './project-files.js';
import { checkPython } from './python-version.js';
import { checkRequiresPython } from './requires-python.js';
import { CHECK_AREAS, type DoctorCheck, type DoctorReport } from './types.js';

export { CHECK_AREAS, countChecks } from './types.js';
export type { CheckArea, CheckCounts, CheckStatus, DoctorCheck, DoctorReport } from './types.js';

/**
 * Checks the app in `options.appDir`. Config vars are the config file's `env`
 * plus `options.envFlags`, as for a build; `options.hostEnv` is only the
 * environment git runs in. Throws only for pybp's own problems (a bad config
 * file); everything about the app is a check.
 */
export async function runDoctor(options: PlanOptions): Promise<DoctorReport> {
  const appDir = resolve(options.appDir);
  const env = options.hostEnv ?? process.env;
  const config = await loadConfig(appDir, options.configFile);
  const configVars = { ...config.config.env, ...(options.envFlags ?? {}) };

  const checks: DoctorCheck[] = [];
  const dir = await checkAppDir(appDir);
  checks.push(dir.check);
  const listing = dir.listing;
  if (listing === null) return report(appDir, checks);

  checks.push(...(await guard('detect', 'project files', () => checkDetection(appDir, listing))));

  let pm: PackageManager | null = null;
  let files: PackageManagerFile[] = [];
  const determined = await attempt('package-manager', 'package manager', () => checkPackageManager(appDir, listing));
  if (determined.ok) {
    checks.push(determined.value.check);
    pm = determined.value.packageManager;
    files = determined.value.files;
  } else {
    checks.push(determined.check);
  }
  checks.push(...(await guard('requirements-spelling', 'package manager', () => checkMisspelledRequirements(appDir, listing, files))));
  if (pm !== null) {
    const manager = pm;
    checks.push(...(await guard('pyproject', 'package manager', () => checkPyprojectPresent(appDir, listing, manager))));
  }

  const toml = await checkTomlFiles(appDir, listing, pm);
  checks.push(...toml.checks);

  let python: ResolvedPython | null = null;
  const version = await attempt('python-version-file', 'python version', () => checkPython(appDir, listing, pm));
  if (version.ok) {
    checks.push(...version.value.checks);
    python = version.value.python;
  } else {
    checks.push(version.check);
  }
  checks.push(...checkRequiresPython(toml.pyproject, pm, python));

  checks.push(...(await checkGit({ appDir, listing, packageManager: pm, python, env })));

  checks.push(checkConfigVars(configVars));
  checks.push(await checkProcfile(appDir, listing));

  return report(appDir, checks);
}

function report(app: string, checks: DoctorCheck[]): DoctorReport {
  // Grouped by area (stable within an area), so every renderer can print in order.
  const ordered = CHECK_AREAS.flatMap((area) => checks.filter((c) => c.area === area));
  return { app, ok: ordered.every((c) => c.status !== 'fail'), checks: ordered };
}
