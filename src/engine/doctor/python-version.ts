// The Python version (spec §5): runtime.txt, .python-version, resolution.
// The build stops at the first of these problems; doctor reports each one,
// by running the build's own functions on views of the directory listing.

import { formatRequested } from '../analysis/python-version-file.js';
import {
  PYTHON_VERSION_FILE,
  RUNTIME_TXT,
  pythonNotices,
  pythonWarnings,
  readRequestedPython,
  resolvePython,
} from '../analysis/python-version.js';
import type { PackageManager, PythonVersionOrigin, RequestedPython, ResolvedPython } from '../analysis/types.js';
import { isPybpError } from '../core/errors.js';
import { DEFAULT_PYTHON } from '../core/versions.js';
import { errorText, fail, failFromError, pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

const AREA = 'python version';
const DEFAULT_TEXT = formatRequested(DEFAULT_PYTHON);

export async function checkPython(
  appDir: string,
  listing: ReadonlySet<string>,
  pm: PackageManager | null,
): Promise<{ checks: DoctorCheck[]; python: ResolvedPython | null }> {
  // Without a package manager the build never gets here; the version rules
  // still apply once it has one, and only uv changes them.
  const manager = pm ?? 'pip';
  const checks: DoctorCheck[] = [];

  checks.push(await checkRuntimeTxt(appDir, listing, manager));

  // The build stops at runtime.txt before reading .python-version; hiding
  // runtime.txt from the listing lets the same function report what follows.
  const withoutRuntimeTxt = new Set([...listing].filter((name) => name !== RUNTIME_TXT));
  let requested: { requested: RequestedPython; origin: PythonVersionOrigin };
  try {
    requested = await readRequestedPython(appDir, manager, withoutRuntimeTxt);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    checks.push(failFromError('python-version-file', AREA, err));
    return { checks, python: null };
  }

  let python: ResolvedPython;
  try {
    python = resolvePython(requested.requested, requested.origin);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    checks.push(versionFileCheck(requested.requested, requested.origin));
    checks.push(failFromError('python-version-supported', AREA, err));
    return { checks, python: null };
  }
  checks.push(versionFileCheck(python.requested, python.origin, python));
  checks.push(supportedCheck(python));
  const pinned = patchCheck(python);
  if (pinned) checks.push(pinned);
  return { checks, python };
}

async function checkRuntimeTxt(appDir: string, listing: ReadonlySet<string>, pm: PackageManager): Promise<DoctorCheck> {
  try {
    await readRequestedPython(appDir, pm, listing);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    // Any other error is about .python-version and is reported by its own check.
    if (err.code === 'runtime-txt-not-supported' && listing.has(PYTHON_VERSION_FILE)) {
      // The buildpack's own fix says to create .python-version; this app has one already.
      return fail(
        'runtime-txt',
        AREA,
        errorText(err),
        `Delete runtime.txt (git rm runtime.txt) and commit: the app's ${PYTHON_VERSION_FILE} already sets the Python version (see the python-version-file check).`,
        err.code,
      );
    }
    if (err.code === 'runtime-txt-not-supported' || err.code === 'file-check-failed') {
      return failFromError('runtime-txt', AREA, err);
    }
  }
  return pass('runtime-txt', AREA, 'No runtime.txt (no longer supported by the buildpack).');
}

function versionFileCheck(requested: RequestedPython, origin: PythonVersionOrigin, python?: ResolvedPython): DoctorCheck {
  if (origin === '.python-version') {
    return pass('python-version-file', AREA, `${PYTHON_VERSION_FILE} asks for Python ${formatRequested(requested)}.`);
  }
  const notice = python ? pythonNotices(python).find((n) => n.code === 'python-default-version') : undefined;
  return warn(
    'python-version-file',
    AREA,
    notice?.message ??
      `No Python version specified: the build would use the buildpack's default, Python ${formatRequested(requested)}.`,
    `Create a ${PYTHON_VERSION_FILE} file in the app root containing ${DEFAULT_TEXT} ` +
      `(e.g. echo ${DEFAULT_TEXT} > ${PYTHON_VERSION_FILE}), so that a change of the default can't change your Python.`,
  );
}

function supportedCheck(python: ResolvedPython): DoctorCheck {
  const warning = pythonWarnings(python)[0];
  if (warning) {
    return warn(
      'python-version-supported',
      AREA,
      `${warning.title}. ${warning.message}`,
      `Change the version in ${PYTHON_VERSION_FILE} to a newer one, ideally ${DEFAULT_TEXT}.`,
    );
  }
  return pass(
    'python-version-supported',
    AREA,
    `Python ${python.requestedText} is supported; the build would install Python ${python.resolved}.`,
  );
}

function patchCheck(python: ResolvedPython): DoctorCheck | null {
  if (python.origin !== '.python-version') return null;
  const { major, minor } = python.requested;
  if (!python.patchPinned) {
    return pass(
      'python-patch',
      AREA,
      `The patch version is not pinned: every build gets the latest Python ${major}.${minor} release and its security fixes.`,
    );
  }
  return warn(
    'python-patch',
    AREA,
    `${PYTHON_VERSION_FILE} pins the exact version ${python.requestedText}: every build installs exactly that ` +
      `release, so the app doesn't get Python's security updates. (Whether ${python.requestedText} exists for ` +
      `Heroku is only known when the build downloads it.)`,
    `Change ${PYTHON_VERSION_FILE} to contain only ${major}.${minor}.`,
  );
}
