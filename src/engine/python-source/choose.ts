// Decides where the python layer's interpreter comes from: an interpreter
// already on this machine, Heroku's own archive for the target, or the exact
// patch installed with pybp's pinned uv. `auto`, in order: an exact local
// interpreter, Heroku's archive when this machine is the target, uv's exact
// patch, then another local patch of the minor standing in (with a warning).
// Side-effect free: explain plans with it (nothing is installed here).

import { PybpError } from '../core/errors.js';
import { describeTarget, isBuildpackTarget, type Target } from '../core/target.js';
import { PYTHON_ARCHIVE_URL_TEMPLATE } from '../core/versions.js';
import { searchLocalInterpreters, type InterpreterSearch, type InterpreterSearchOptions, type LocalInterpreter } from './discover.js';
import type { DownloadReach } from './uv-download-reach.js';
import type { UvPythonAvailability } from './uv-python.js';
import { minorName, parseResolvedVersion, type MinorVersion } from './version.js';

export type PythonSourceKind = 'local' | 'heroku' | 'uv' | 'auto';

export interface PythonSourceChoice {
  kind: 'local' | 'heroku' | 'uv';
  /** What the buildpack would install, e.g. 3.12.13. */
  resolvedVersion: string;
  /** Whether .python-version pinned the patch: decides how a missing archive is reported. */
  requestedPinned: boolean;
  /** For local. */
  interpreter?: LocalInterpreter;
  /** Local patch differs from resolvedVersion (the caller warns 'python-patch-substituted'). */
  substituted: boolean;
  /** For heroku. */
  url?: string;
  /** One sentence: why this source was chosen. */
  reason: string;
  /**
   * uv was chosen without looking up its download host, which only the app's config names
   * (explain, doctor): the build looks it up and uses a local stand-in if it does not resolve.
   */
  dependsOnLookup?: string;
}

export interface ChoosePythonSourceArgs {
  resolvedVersion: string;
  requestedPinned: boolean;
  source: PythonSourceKind;
  target: Target;
  /** This machine can run binaries built for the target. */
  hostIsTarget: boolean;
  search: InterpreterSearchOptions;
  /** Replaces PYTHON_ARCHIVE_URL_TEMPLATE, e.g. for a mirror. */
  urlTemplate?: string;
  /** Whether uv can install Python on this machine (see uvPythonAvailability). */
  uv: UvPythonAvailability;
  /**
   * For `auto` only, asked just before it would pick uv: can uv's download host
   * be reached (uv-download-reach.ts)? Absent: taken to be yes.
   */
  uvReach?: () => Promise<DownloadReach>;
}

/** Fills `{version}`, `{distro_name}`, `{distro_version}` and `{arch}` (each wherever it appears). */
export function pythonArchiveUrl(
  template: string,
  version: string,
  target: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>,
): string {
  const values: Record<string, string> = {
    version,
    distro_name: target.distro_name,
    distro_version: target.distro_version,
    arch: target.arch,
  };
  return template.replace(/\{(version|distro_name|distro_version|arch)\}/g, (_, key: string) => values[key]);
}

export async function choosePythonSource(args: ChoosePythonSourceArgs): Promise<PythonSourceChoice> {
  const version = parseResolvedVersion(args.resolvedVersion);
  const minor: MinorVersion = { major: version.major, minor: version.minor };
  const base = { resolvedVersion: args.resolvedVersion, requestedPinned: args.requestedPinned };
  const targetText = describeTarget(args.target);
  // Heroku publishes archives only for its own targets; a custom template may serve others.
  const archiveExists = args.urlTemplate !== undefined || isBuildpackTarget(args.target);

  const heroku = (reason: string): PythonSourceChoice => ({
    ...base,
    kind: 'heroku',
    substituted: false,
    url: pythonArchiveUrl(args.urlTemplate ?? PYTHON_ARCHIVE_URL_TEMPLATE, args.resolvedVersion, args.target),
    reason,
  });

  if (args.source === 'heroku') {
    if (!archiveExists) throw unsupportedTargetError(args.resolvedVersion, args.target);
    return heroku(`python.source is "heroku", so Heroku's Python ${args.resolvedVersion} archive for ${targetText} is downloaded.`);
  }

  const uv = (reason: string): PythonSourceChoice => ({ ...base, kind: 'uv', substituted: false, reason });
  if (args.source === 'uv') {
    if (!args.uv.usable) throw uvUnusableError(args.resolvedVersion, args.uv.why);
    return uv(`python.source is "uv", so pybp's uv installs Python ${args.resolvedVersion} (python-build-standalone).`);
  }

  const search = await searchLocalInterpreters(minor, args.search);
  const exact = search.found.find((i) => i.version === args.resolvedVersion);
  if (exact) {
    return {
      ...base,
      kind: 'local',
      interpreter: exact,
      substituted: false,
      reason: `Python ${exact.version} is installed on this machine (${describeInterpreter(exact)}), exactly the version the buildpack would install.`,
    };
  }

  if (args.source === 'auto' && args.hostIsTarget && archiveExists) {
    return heroku(
      `Python ${args.resolvedVersion} is not installed on this machine, and this machine matches the target (${targetText}), so Heroku's own archive is downloaded.`,
    );
  }

  // auto picks uv only when its downloads can be reached; else a local patch stands in, and the reason says why.
  const reach: DownloadReach = args.source === 'auto' && args.uv.usable && args.uvReach ? await args.uvReach() : { reachable: true };
  if (args.source === 'auto' && args.uv.usable && reach.reachable) {
    const notArchive = args.hostIsTarget
      ? `Heroku publishes no archive for ${targetText}`
      : `this machine is not the target (${targetText}), so Heroku's archive would not run here`;
    const depends =
      reach.reachable === 'depends'
        ? ` That is if ${reach.host}, named by the app's config as uv's download host, resolves when the build runs: the build looks it up, explain and doctor do not (no traffic because of a repo); if it does not resolve, the newest local ${minorName(minor)} stands in.`
        : '';
    const choice = uv(
      `Python ${args.resolvedVersion} is not installed on this machine and ${notArchive}: pybp's uv installs exactly ${args.resolvedVersion} (python-build-standalone).${depends}`,
    );
    return reach.reachable === 'depends' ? { ...choice, dependsOnLookup: reach.host } : choice;
  }

  const newest = search.found[0];
  if (!newest) throw notFoundError(args, minor, search);
  const uvWhy = !args.uv.usable ? ` and uv can't install it (${args.uv.why})` : !reach.reachable ? ` and uv can't download it (${reach.why})` : '';
  const why =
    args.source === 'local'
      ? 'python.source is "local"'
      : args.hostIsTarget
        ? `Heroku publishes no archive for ${targetText}${uvWhy}`
        : `this machine is not the target (${targetText}), so Heroku's archive would not run here${uvWhy}`;
  return {
    ...base,
    kind: 'local',
    interpreter: newest,
    substituted: true,
    reason: `Python ${args.resolvedVersion} is not installed on this machine and ${why}: the newest installed ${minorName(minor)}, ${newest.version} (${describeInterpreter(newest)}), stands in for it.`,
  };
}

export function describeInterpreter(i: LocalInterpreter): string {
  return i.origin === 'path' ? `on PATH, ${i.prefix}` : i.origin === 'config' ? `from python.interpreters, ${i.prefix}` : `${i.origin}, ${i.prefix}`;
}

function notFoundError(args: ChoosePythonSourceArgs, minor: MinorVersion, search: InterpreterSearch): PybpError {
  const y = minorName(minor);
  const heroku = args.source === 'auto' && !args.hostIsTarget
    ? ` Heroku's archive for ${describeTarget(args.target)} can't be used because it would not run on this machine.`
    : '';
  return new PybpError({
    code: 'python-interpreter-not-found',
    title: `No local Python ${y} found`,
    message: `The build needs Python ${args.resolvedVersion} (or another ${y}.x to stand in for it), and no Python ${y} is installed in any of the places pybp looks.${heroku}`,
    fix: `Install Python ${y} with \`pyenv install ${y}\` or \`uv python install ${y}\`, or point pybp at an existing installation with \`python.interpreters\` in the pybp config (a binary such as /opt/python/bin/python${y}, or its installation directory).`,
    details: ['Searched:', ...search.searched.map((line) => `  ${line}`)],
  });
}

function uvUnusableError(resolvedVersion: string, why: string): PybpError {
  return new PybpError({
    code: 'python-uv-unavailable',
    title: 'uv cannot install Python here',
    message: `python.source is "uv", but pybp's uv cannot install Python ${resolvedVersion} on this machine: ${why}.`,
    fix: 'Set python.source to "local" or "auto" to use a Python installed on this machine (or unset UV_PYTHON_DOWNLOADS=never).',
  });
}

function unsupportedTargetError(resolvedVersion: string, target: Target): PybpError {
  return new PybpError({
    code: 'python-archive-target-unsupported',
    title: 'No Heroku Python archive for this target',
    message: `python.source is "heroku", but Heroku publishes Python archives (such as ${resolvedVersion}) only for Ubuntu 22.04 (amd64), 24.04 and 26.04 (amd64 and arm64), not for ${describeTarget(target)}.`,
    fix: 'Build for a Heroku target (e.g. --target heroku-24), set python.source to "local" or "auto" to use a Python installed on this machine, or set python.archiveUrlTemplate to a mirror that serves archives for this target.',
  });
}
