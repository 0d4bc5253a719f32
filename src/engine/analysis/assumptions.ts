// explain's what-if: facts to assume in place of what the app's files say,
// fed into the same analysis (and so the same planning) a build runs. Nothing
// is written; the buildpack's own rules and errors still apply to the result
// (uv still needs a Python version, runtime.txt is still refused...).
import { PybpError } from '../core/errors.js';
import { PACKAGE_MANAGERS, type PackageManager } from './types.js';
import { parsePythonVersionFile } from './python-version-file.js';
import { isPybpError } from '../core/errors.js';

export interface Assumptions {
  /** As if `.python-version` said this (e.g. `3.13`, `3.12.4`). */
  pythonVersionFile?: string;
  /** As if this package manager's file were the app's only package manager file. */
  packageManager?: PackageManager;
}

export function parsePackageManager(value: string): PackageManager {
  if ((PACKAGE_MANAGERS as readonly string[]).includes(value)) return value as PackageManager;
  throw new PybpError({
    code: 'usage',
    title: 'Bad --package-manager',
    message: `--package-manager must be ${PACKAGE_MANAGERS.join(', ')}, not "${value}".`,
    fix: 'Example: pybp explain --package-manager uv',
  });
}

/** `--python 3.13`: one line of the form `.python-version` takes; the file's own rules judge it. */
export function parsePythonAssumption(value: string): string {
  if (value.trim() === '' || /[\r\n]/.test(value)) {
    throw new PybpError({
      code: 'usage',
      title: 'Bad --python',
      message: `--python takes a Python version as .python-version would say it (e.g. 3.13), not ${JSON.stringify(value)}.`,
      fix: 'Example: pybp explain --python 3.13',
    });
  }
  const version = value.trim();
  // Judged now by the file's own rules, so that a version the file could not hold is named as the flag's
  // (the file's errors say "change .python-version", which here is not where the value came from).
  try {
    parsePythonVersionFile(version);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    throw new PybpError({
      code: 'usage',
      title: 'Bad --python',
      message:
        `--python takes a Python version as .python-version would say it, not ${JSON.stringify(value)}: a major version like 3.13 ` +
        `or an exact version like 3.13.1, with no quotes, "python-" prefix, wildcards or pre-release tags.`,
      fix: 'Example: pybp explain --python 3.13 (no file is changed)',
    });
  }
  return version;
}

/** For headers: `Python 3.13, uv` and so on. */
export function describeAssumptions(a: Assumptions): string[] {
  const out: string[] = [];
  if (a.pythonVersionFile !== undefined) out.push(`.python-version says ${a.pythonVersionFile}`);
  if (a.packageManager !== undefined) out.push(`the app uses ${a.packageManager}`);
  return out;
}
