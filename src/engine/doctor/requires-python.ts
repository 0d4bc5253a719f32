// Beyond the buildpack: it never reads pyproject.toml, but uv and Poetry do,
// and stop mid-build when the Python the buildpack installed is outside the
// project's Python requirement. Knowable before building, so doctor checks it.

import { satisfies, validRange } from '@renovatebot/pep440';
import { PYTHON_VERSION_FILE } from '../analysis/python-version.js';
import type { PackageManager, ResolvedPython } from '../analysis/types.js';
import type { ErrorCode } from '../core/errors.js';
import { LATEST_PATCH } from '../core/versions.js';
import { fail, pass, unchecked } from './check.js';
import { isBarePoetryVersion, translatePoetryConstraint } from './wheels/poetry-constraint.js';
import type { TomlTable } from './project-files.js';
import type { DoctorCheck } from './types.js';

const AREA = 'python version';

export function checkRequiresPython(
  pyproject: TomlTable | null,
  pm: PackageManager | null,
  python: ResolvedPython | null,
): DoctorCheck[] {
  if (pyproject === null || python === null || (pm !== 'uv' && pm !== 'poetry')) return [];
  const checks: DoctorCheck[] = [];
  const project = table(pyproject.project);
  if (project && project['requires-python'] !== undefined) {
    checks.push(checkProjectRequiresPython(project['requires-python'], pm, python));
  }
  if (pm === 'poetry') {
    const dependencies = table(table(table(pyproject.tool)?.poetry)?.dependencies);
    if (dependencies && dependencies.python !== undefined) checks.push(checkPoetryPython(dependencies.python, python));
  }
  return checks;
}

function checkProjectRequiresPython(value: unknown, pm: 'uv' | 'poetry', python: ResolvedPython): DoctorCheck {
  const id = 'requires-python';
  const tool = pm === 'uv' ? 'uv' : 'Poetry';
  if (typeof value !== 'string') {
    return fail(
      id,
      AREA,
      `pyproject.toml's [project] requires-python must be a string (e.g. ">=3.12"); ${tool} would reject the file.`,
      'Write requires-python as a quoted PEP 440 specifier, e.g. requires-python = ">=3.12".',
      syncCode(pm),
    );
  }
  if (!validRange(value)) {
    return unchecked(
      id,
      AREA,
      `pyproject.toml's requires-python "${value}" is not a PEP 440 version specifier pybp understands, so pybp ` +
        `couldn't check it against Python ${python.resolved}; ${tool} may reject it.`,
      'Use a PEP 440 specifier such as ">=3.12" (operators: >=, <=, >, <, ==, !=, ~=; join with commas).',
      `requires-python "${value}" could not be read`,
    );
  }
  if (satisfies(python.resolved, value)) {
    return pass(id, AREA, `pyproject.toml's requires-python "${value}" admits Python ${python.resolved}.`);
  }
  const failure =
    pm === 'uv'
      ? `uv would stop during the dependency install: the Python request from ${PYTHON_VERSION_FILE} resolves to a ` +
        `version that is incompatible with the project's Python requirement.`
      : `Poetry would stop during the dependency install: "Current Python version (${python.resolved}) is not ` +
        `allowed by the project".`;
  return fail(
    id,
    AREA,
    `pyproject.toml's requires-python "${value}" does not admit Python ${python.resolved}, the version the build ` +
      `would install (${describeOrigin(python)}). ${failure}`,
    mismatchFix(python, [value], 'requires-python', pm),
    syncCode(pm),
  );
}

function checkPoetryPython(value: unknown, python: ResolvedPython): DoctorCheck {
  const id = 'poetry-python';
  const where = '[tool.poetry.dependencies] python';
  const constraint = typeof value === 'string' ? value : typeof table(value)?.version === 'string' ? (table(value)?.version as string) : null;
  if (constraint === null) {
    return unchecked(
      id,
      AREA,
      `pyproject.toml's ${where} is not a version constraint string, so pybp couldn't check it against Python ${python.resolved}.`,
      `Write it as a string, e.g. python = "^3.12".`,
      `${where} is not a version constraint string`,
    );
  }
  const alternatives = translatePoetryConstraint(constraint);
  if (alternatives === null || alternatives.some((a) => !validRange(a))) {
    return unchecked(
      id,
      AREA,
      `pybp couldn't read pyproject.toml's ${where} = "${constraint}" as a Poetry version constraint, so it ` +
        `couldn't check it against Python ${python.resolved}; Poetry may reject it.`,
      `Use a Poetry constraint such as "^3.12", "~3.12", ">=3.12,<4.0" or "3.12.*".`,
      `${where} "${constraint}" could not be read`,
    );
  }
  const pep440 = alternatives.map((a) => a || '(any version)').join(' or ');
  if (alternatives.some((a) => satisfies(python.resolved, a))) {
    return pass(id, AREA, `pyproject.toml's ${where} "${constraint}" (${pep440}) admits Python ${python.resolved}.`);
  }
  const bareHint = isBarePoetryVersion(constraint)
    ? ` In Poetry a bare version means exactly that version: "${constraint.trim()}" admits only ` +
      `${constraint.trim().replace(/^=+\s*/, '')} itself, not later patch releases.`
    : '';
  return fail(
    id,
    AREA,
    `pyproject.toml's ${where} "${constraint}" (in PEP 440 terms: ${pep440}) does not admit Python ` +
      `${python.resolved}, the version the build would install (${describeOrigin(python)}). Poetry would stop during ` +
      `the dependency install: "Current Python version (${python.resolved}) is not allowed by the project".${bareHint}`,
    mismatchFix(python, alternatives, 'the python constraint', 'poetry', isBarePoetryVersion(constraint) ? constraint.trim() : undefined),
    'poetry-sync-failed',
  );
}

function syncCode(pm: 'uv' | 'poetry'): ErrorCode {
  return pm === 'uv' ? 'uv-sync-failed' : 'poetry-sync-failed';
}

function describeOrigin(python: ResolvedPython): string {
  return python.origin === '.python-version'
    ? `${PYTHON_VERSION_FILE} asks for ${python.requestedText}`
    : `no ${PYTHON_VERSION_FILE}, so the buildpack default ${python.requestedText}`;
}

/** The newest Python minor Heroku supports whose current release the requirement admits. */
function admittedMinor(alternatives: readonly string[]): string | null {
  const minors = Object.keys(LATEST_PATCH).map(Number).sort((a, b) => b - a);
  for (const minor of minors) {
    const version = `3.${minor}.${LATEST_PATCH[minor]}`;
    if (alternatives.some((a) => satisfies(version, a))) return `3.${minor}`;
  }
  return null;
}

function mismatchFix(
  python: ResolvedPython,
  alternatives: readonly string[],
  what: string,
  pm: 'uv' | 'poetry',
  bare?: string,
): string {
  const relock = pm === 'uv' ? 'uv lock' : 'poetry lock';
  const widen = bare
    ? `change ${what} to "~${bare.replace(/^=+\s*/, '')}" (any patch release)`
    : `widen ${what} to admit ${python.resolved}`;
  const minor = admittedMinor(alternatives);
  const change = minor
    ? python.origin === '.python-version'
      ? `Change ${PYTHON_VERSION_FILE} to ${minor}`
      : `Create a ${PYTHON_VERSION_FILE} containing ${minor}`
    : null;
  return change ? `${change}, or ${widen} and re-lock (${relock}).` : `Heroku supports no Python version that ${what} admits: ${widen} and re-lock (${relock}).`;
}

function table(value: unknown): TomlTable | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as TomlTable) : undefined;
}
