// `pybp doctor`: every condition of the buildpack's pre-build checks
// (spec §2–§5, §12), plus what uv, Poetry, git and Heroku would trip on,
// collected all at once. The rules live in ../analysis; doctor runs them
// on the whole app instead of stopping at the first failure.

import path from 'node:path';
import { findPackageManagerFiles, type PackageManagerFile } from '../analysis/package-manager.js';
import { readRequestedPython, resolvePython } from '../analysis/python-version.js';
import type { PackageManager, ResolvedPython } from '../analysis/types.js';
import { type ContextOptions, contextBuildEnv, type ProjectContext, resolveContext } from '../project/project-context.js';
import { attempt, guard } from './check.js';
import { checkCodeConfig } from './code-config.js';
import { checkLayersDir } from './layers-dir.js';
import { checkGit, requiredFileNames } from './git.js';
import { herokuTree, untrackedFilesCheck } from './heroku-tree.js';
import { openAppRepo, type OpenResult } from '../io/git.js';
import { checkLockfileFresh } from './wheels/lockfile-out-of-date.js';
import { checkLinuxWheels } from './wheels/no-linux-wheel.js';
import { checkRequirementsWheels } from './wheels/no-linux-wheel-requirements.js';
import { USER_INDEX_VARS } from './wheels/requirements-wheels.js';
import { checkPathsInsideApp } from './path-outside-app.js';
import { checkProcfileCommands, stackOf } from './procfile-command.js';
import { checkPoetryRoot } from './poetry-root.js';
import { checkSetuptoolsAtRuntime } from './setuptools-at-runtime.js';
import { checkLocalInterpreter } from './python-interpreter.js';
import { doctorTarget } from './doctor-target.js';
import { checkConfigVars, checkProcfile } from './heroku.js';
import { checkHostToolConfig } from './host-tool-config.js';
import { checkPaths } from './paths.js';
// no-linux-wheel's uv run takes the network variables and config vars from the host base; it sets its own HOME and reads no tool config.
import { baseBuildEnv } from '../project/build-env.js';
import { checkMisspelledRequirements, checkPackageManager, checkPyprojectPresent } from './package-manager.js';
import { checkAppDir, checkDetection, checkTomlFiles, committedVenvCheck } from './project-files.js';
import { checkPython } from './python-version.js';
import { checkRequiresPython } from './requires-python.js';
import { CHECK_AREAS, verdictOf, type DoctorCheck, type DoctorReport } from './types.js';
import type { ToolInstallPolicy } from '../tools/doctor-tools.js';

export { CHECK_AREAS, countChecks, verdictOf } from './types.js';
export type { CheckArea, CheckCounts, CheckStatus, DoctorCheck, DoctorReport, Unchecked, Verdict } from './types.js';

export interface DoctorOptions extends ContextOptions {
  /** `--offline`: doctor downloads nothing (a check that needs a missing tool says it could not check). */
  offline?: boolean;
  /** Progress lines while doctor installs one of its own pinned tools. */
  onProgress?: (message: string) => void;
}

/**
 * Checks the app in `options.appDir`. Config vars are the config file's `env`
 * plus `options.envFlags`, as for a build; `options.hostEnv` is only the
 * environment git runs in. Throws only for pybp's own problems (a bad config
 * file); everything about the app is a check.
 */
export async function runDoctor(options: DoctorOptions, signal?: AbortSignal): Promise<DoctorReport> {
  const context = await resolveContext(options);
  // The app's repository, opened once for every git check (and closed: its shadow git dir is pybp's temp dir).
  const git = await openAppRepo(context.appDir, context.hostEnv);
  try {
    return await doctorChecks(context, git, options, signal);
  } finally {
    if (git.kind === 'repo') await git.repo.close();
  }
}

async function doctorChecks(context: ProjectContext, git: OpenResult, options: DoctorOptions, signal?: AbortSignal): Promise<DoctorReport> {
  // doctor's own pinned tools come from PyPI, or from the index of a config file the user named (--config), never the app's.
  const install: ToolInstallPolicy = {
    offline: options.offline === true,
    indexUrl: options.configFile !== undefined ? context.config.config.tools.indexUrl : undefined,
    onProgress: options.onProgress,
    signal,
  };
  const { appDir, hostEnv: env, config, configVars, layersDir: layersPath, layersAccess } = context;
  // A previous build's layers (its pinned uv/Poetry, its venv's scripts) are
  // used only when pybp made that directory here: a repo's committed
  // `.pybp/layers` is the repo's code, and doctor runs none of it.
  const layersDir = layersAccess.trusted ? layersPath : null;

  const checks: DoctorCheck[] = [];
  const dir = await checkAppDir(appDir);
  checks.push(dir.check);
  checks.push(...checkCodeConfig(config));
  checks.push(...checkLayersDir(layersAccess));
  const working = dir.listing;
  if (working === null) return report(appDir, checks);
  // In git, the app is judged on what Heroku receives: the tracked files.
  const tree = await herokuTree({ appDir, env, git }, working);
  const listing = tree.listing;

  checks.push(...(await guard('detect', 'project files', () => checkDetection(appDir, listing))));
  const venv = committedVenvCheck(tree.inGit, listing);
  if (venv) checks.push(venv);

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
  let interpreter: string | null = null;
  let pythonPrefix: string | null = null;
  if (python !== null) {
    const resolved = python;
    const local = await attempt('python-interpreter', 'python version', () =>
      checkLocalInterpreter({ appDir, python: resolved, config, hostEnv: env, target: options.target }),
    );
    checks.push(local.ok ? local.value.check : local.check);
    // An interpreter inside the app is never run by doctor.
    if (local.ok && local.value.executable !== null && !isInside(appDir, local.value.executable)) {
      interpreter = local.value.executable;
      pythonPrefix = path.dirname(path.dirname(interpreter));
    }
  }
  checks.push(...(await guard('path-outside-app', 'project files', () => checkPathsInsideApp({ appDir, listing, packageManager: pm }))));
  if (pm === 'poetry' && toml.pyproject !== null) {
    const pyproject = toml.pyproject;
    checks.push(...(await guard('poetry-root', 'package manager', () => checkPoetryRoot(appDir, listing, pyproject))));
  }
  if (pm !== null && toml.pyproject !== null) {
    const manager = pm;
    checks.push(
      ...(await guard('lockfile-out-of-date', 'package manager', () =>
        checkLockfileFresh({ appDir, packageManager: manager, layersDir, env: (home) => contextBuildEnv(context, home), hostEnv: env, interpreter, pythonResolved: python !== null, signal, install }),
      )),
    );
  }

  // The working tree's view: checkGit says which of its build files git lacks
  // (and why), and whether .pybp/ is ignored.
  const onDisk = tree.inGit ? await workingTreeView(appDir, working) : { packageManager: pm, python };
  const gitContext = { appDir, listing: working, packageManager: pm ?? onDisk.packageManager, python: onDisk.python ?? python, env, git };
  checks.push(...(await checkGit(gitContext)));
  const untracked = untrackedFilesCheck(tree, requiredFileNames(gitContext));
  if (untracked) checks.push(untracked);

  checks.push(checkConfigVars(configVars));
  checks.push(...(await guard('host-tool-config', 'heroku readiness', () => checkHostToolConfig({ hostEnv: env, buildEnv: context.buildEnv }))));
  checks.push(...(await guard('paths', 'heroku readiness', () => checkPaths(context, layersDir))));
  checks.push(await checkProcfile(appDir, listing));
  checks.push(...(await guard('setuptools-at-runtime', 'heroku readiness', () => checkSetuptoolsAtRuntime(layersDir))));
  const target = doctorTarget(options.target ?? config.config.target);
  const stack = stackOf(target.distro_version);
  checks.push(
    ...(await guard('procfile-command', 'heroku readiness', () =>
      checkProcfileCommands({ appDir, listing, packageManager: pm, python, layersDir, pythonPrefix, stack }),
    )),
  );
  if (pm !== null && python !== null) {
    const manager = pm;
    const resolved = python;
    checks.push(
      ...(await guard('no-linux-wheel', 'heroku readiness', () =>
        manager === 'pip'
          ? checkRequirementsWheels({ appDir, python: resolved, target, layersDir, ...userConfigVars(context, options), hostEnv: env, interpreter, signal, install })
          : checkLinuxWheels({ appDir, packageManager: manager, python: resolved, target }),
      )),
    );
  }

  return report(appDir, checks);
}

/**
 * What of the config vars doctor's own requests may follow: those the user
 * gave (`--env`, the env of a --config file), never the env of the app's own
 * config file (a cloned repo's), so a repo chooses no index, proxy or CA
 * bundle for them. The index variables the app's config sets are named.
 */
function userConfigVars(context: ProjectContext, options: DoctorOptions): { env: Record<string, string>; userVars: Record<string, string>; appIndexVars: string[] } {
  const fromApp = context.config.fromApp ? context.config.config.env : {};
  const userVars = { ...(context.config.fromApp ? {} : context.config.config.env), ...(options.envFlags ?? {}) };
  const appIndexVars = USER_INDEX_VARS.filter((name) => fromApp[name] !== undefined && userVars[name] === undefined);
  return { env: baseBuildEnv(context.hostEnv, userVars), userVars, appIndexVars };
}

/** The package manager and Python the files on disk ask for (git may have other files); null where they don't say. */
async function workingTreeView(appDir: string, working: ReadonlySet<string>): Promise<{ packageManager: PackageManager | null; python: ResolvedPython | null }> {
  const found = await findPackageManagerFiles(appDir, working).catch(() => []);
  const packageManager = found.length === 1 ? found[0].packageManager : null;
  try {
    const requested = await readRequestedPython(appDir, packageManager ?? 'pip', working);
    return { packageManager, python: resolvePython(requested.requested, requested.origin) };
  } catch {
    return { packageManager, python: null };
  }
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function report(app: string, checks: DoctorCheck[]): DoctorReport {
  // Grouped by area (stable within an area), so every renderer can print in order.
  const ordered = CHECK_AREAS.flatMap((area) => checks.filter((c) => c.area === area));
  const unchecked = ordered.flatMap((c) => (c.unchecked === undefined ? [] : [{ check: c.id, ...c.unchecked }]));
  return { app, verdict: verdictOf(ordered), ok: ordered.every((c) => c.status !== 'fail'), checks: ordered, unchecked };
}
