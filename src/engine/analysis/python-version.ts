// Where the requested Python version comes from (spec §5.1), how it resolves
// to an exact version (§5.3), and what the buildpack says about it (§5.4).

import { join } from 'node:path';
import { readAppFile } from '../io/app-file.js';
import { type ErrorCode, isPybpError, PybpError } from '../core/errors.js';
import { describeIoError, entryExists, listDir, type DirListing } from '../io/fs.js';
import {
  DEFAULT_PYTHON,
  DEPRECATED_MINORS,
  LATEST_PATCH,
  NEWEST_SUPPORTED_MINOR,
  NEXT_UNRELEASED_MINOR,
  OLDEST_SUPPORTED_MINOR,
} from '../core/versions.js';
import { formatRequested, parsePythonVersionFile } from './python-version-file.js';
import type { Notice, PackageManager, PythonVersionOrigin, RequestedPython, ResolvedPython, Warning } from './types.js';

export const PYTHON_VERSION_FILE = '.python-version';
export const RUNTIME_TXT = 'runtime.txt';

const DEVGUIDE_URL = 'https://devguide.python.org/versions/#supported-versions';
const SUPPORT_URL = 'https://devcenter.heroku.com/articles/python-support#supported-python-versions';

// Rust's `read_to_string` rejects invalid UTF-8 and keeps a BOM as U+FEFF
// (which then makes the line invalid); TextDecoder strips it unless told not to.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function example(): string {
  return formatRequested(DEFAULT_PYTHON);
}

function patchAdvice(): string {
  return (
    `Specify only the major version (e.g. ${example()}), not an exact patch version: pinning the patch ` +
    `stops the app from getting Python security updates.`
  );
}

/**
 * The text of `<appDir>/.python-version`, or `undefined` when it is absent
 * (missing, a directory, a broken symlink, or below a regular file).
 */
export async function readPythonVersionFile(appDir: string, listing?: DirListing): Promise<string | undefined> {
  const names = listing !== undefined ? listing : await listDir(appDir);
  if (names === null || !names.has(PYTHON_VERSION_FILE)) return undefined;
  const path = join(appDir, PYTHON_VERSION_FILE);
  let bytes: Buffer | undefined;
  try {
    bytes = await readAppFile(path, 'python-version', { directoryIsAbsent: true });
  } catch (err) {
    // A FIFO, a device or a huge file: pybp's own refusal, which names the file.
    if (isPybpError(err)) throw err;
    throw unreadableError(path, describeIoError(err), err);
  }
  if (bytes === undefined) return undefined;
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    throw unreadableError(path, 'stream did not contain valid UTF-8', err);
  }
}

export async function readRequestedPython(
  appDir: string,
  pm: PackageManager,
  listing?: DirListing,
  /** What-if: the text `.python-version` is assumed to hold (the file itself is not read). */
  assumedFileText?: string,
): Promise<{ requested: RequestedPython; origin: PythonVersionOrigin }> {
  const names = listing !== undefined ? listing : await listDir(appDir);
  // Any kind of entry counts (even a directory); the file is never read.
  if (await entryExists(appDir, RUNTIME_TXT, { listing: names })) throw runtimeTxtError(appDir, pm);
  const text = assumedFileText ?? (await readPythonVersionFile(appDir, names));
  if (text !== undefined) return { requested: parsePythonVersionFile(text), origin: '.python-version' };
  if (pm === 'uv') throw uvNeedsVersionFileError(appDir);
  return { requested: { major: DEFAULT_PYTHON.major, minor: DEFAULT_PYTHON.minor }, origin: 'buildpack default' };
}

export function resolvePython(requested: RequestedPython, origin: PythonVersionOrigin): ResolvedPython {
  const { major, minor, patch } = requested;
  if (major < 3 || (major === 3 && minor < OLDEST_SUPPORTED_MINOR)) throw eolError(requested, origin);
  if (major > 3 || minor >= NEXT_UNRELEASED_MINOR) throw unknownError(requested, origin);
  let resolvedPatch = patch;
  if (resolvedPatch === undefined) {
    resolvedPatch = LATEST_PATCH[minor];
    // versions.ts lists every minor from oldest to newest; a gap is a pybp bug.
    if (resolvedPatch === undefined) throw new Error(`versions.ts has no latest patch for Python 3.${minor}`);
  }
  return {
    requested: patch === undefined ? { major, minor } : { major, minor, patch },
    requestedText: formatRequested(requested),
    resolved: `${major}.${minor}.${resolvedPatch}`,
    origin,
    patchPinned: patch !== undefined,
  };
}

export function pythonWarnings(resolved: ResolvedPython): Warning[] {
  const { major, minor } = resolved.requested;
  const deprecation = major === 3 ? DEPRECATED_MINORS[minor] : undefined;
  if (!deprecation) return [];
  const change =
    resolved.origin === '.python-version'
      ? `changing the version in your ${PYTHON_VERSION_FILE} file`
      : `adding a ${PYTHON_VERSION_FILE} file with a newer version`;
  // The buildpack's own words (main.rs), as one paragraph: doctor and the
  // renderers wrap it themselves.
  return [
    {
      code: 'python-3.10-deprecated',
      title: `Support for Python ${major}.${minor} is deprecated`,
      message:
        `Python ${major}.${minor} will reach its upstream end-of-life in ${deprecation.eol}, ` +
        `at which point it will no longer receive security updates (${DEVGUIDE_URL}). ` +
        `As such, support for Python ${major}.${minor} will be removed from this ` +
        `buildpack on ${deprecation.removal}. ` +
        `Upgrade to a newer Python version as soon as possible, by ${change}. ` +
        `For more information, see: ${SUPPORT_URL}`,
    },
  ];
}

export function pythonNotices(resolved: ResolvedPython): Notice[] {
  if (resolved.origin === 'buildpack default') {
    return [
      {
        code: 'python-default-version',
        message:
          `No Python version specified, using the current default of Python ${resolved.requestedText}. ` +
          `We recommend setting an explicit version. In the root of your app create ` +
          `a '${PYTHON_VERSION_FILE}' file, containing a Python version like '${resolved.requestedText}'.`,
      },
    ];
  }
  return [
    {
      code: 'python-version-from-file',
      message: `Using Python version ${resolved.requestedText} specified in ${PYTHON_VERSION_FILE}`,
    },
  ];
}

/** The buildpack's section heading; it is printed before the requested version is read. */
export const PYTHON_VERSION_SECTION = 'Determining Python version';

/**
 * The errors of reading and resolving the requested version: the buildpack
 * reports them under its `[Determining Python version]` heading (main.rs logs
 * the heading, then reads .python-version / runtime.txt and resolves it).
 */
export const PYTHON_VERSION_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'runtime-txt-not-supported',
  'python-version-file-unreadable',
  'python-version-invalid',
  'python-version-multiple',
  'python-version-empty',
  'python-version-required-with-uv',
  'python-version-eol',
  'python-version-unknown',
]);

function runtimeTxtError(appDir: string, pm: PackageManager): PybpError {
  const path = join(appDir, RUNTIME_TXT);
  const message =
    `The app has a runtime.txt file (${path}). runtime.txt is no longer supported for choosing the Python ` +
    `version: it has been replaced by the ${PYTHON_VERSION_FILE} file. runtime.txt is not read, whatever it contains.`;
  const fix =
    pm === 'uv'
      ? `1. Make sure you are in the root directory of your app.\n` +
        `2. Delete runtime.txt.\n` +
        `3. Run: uv python pin ${example()}   (adjust the version if needed)\n` +
        `4. Commit the changes to git.\n` +
        patchAdvice()
      : `Delete runtime.txt, then create a file named ${PYTHON_VERSION_FILE} (with a leading dot and no .txt ` +
        `extension) that contains only the major Python version, with no quotes or "python-" prefix. For ` +
        `example, to ask for Python ${example()} the file should contain: ${example()}. ${patchAdvice()}`;
  return new PybpError({ code: 'runtime-txt-not-supported', title: 'runtime.txt is no longer supported', message, fix });
}

function unreadableError(path: string, detail: string, cause: unknown): PybpError {
  return new PybpError(
    {
      code: 'python-version-file-unreadable',
      title: `Couldn't read ${PYTHON_VERSION_FILE}`,
      message: `An I/O error occurred while reading ${path}: ${detail}`,
      details: [detail],
      fix: `Check that the file can be read (permissions, symlinks) and that it is valid UTF-8, then try again.`,
    },
    { cause },
  );
}

function uvNeedsVersionFileError(appDir: string): PybpError {
  return new PybpError({
    code: 'python-version-required-with-uv',
    title: 'No Python version specified (uv)',
    message:
      `This app uses uv, which on Heroku requires a ${PYTHON_VERSION_FILE} file saying which Python version ` +
      `to use, and ${join(appDir, PYTHON_VERSION_FILE)} does not exist.`,
    fix:
      `1. Make sure you are in the root directory of your app.\n` +
      `2. Run: uv python pin ${example()}   (adjust the version if needed)\n` +
      `3. Commit the ${PYTHON_VERSION_FILE} file to git.\n` +
      patchAdvice(),
  });
}

function originText(origin: PythonVersionOrigin): string {
  return origin === '.python-version' ? `your ${PYTHON_VERSION_FILE} file` : `a ${PYTHON_VERSION_FILE} file`;
}

function eolError(requested: RequestedPython, origin: PythonVersionOrigin): PybpError {
  const minorText = `${requested.major}.${requested.minor}`;
  return new PybpError({
    code: 'python-version-eol',
    title: 'The requested Python version has reached end-of-life',
    message:
      `${origin} asks for Python ${formatRequested(requested)}. Python ${minorText} has reached its upstream ` +
      `end of life (${DEVGUIDE_URL}), so the Heroku Python buildpack no longer supports it (${SUPPORT_URL}).`,
    fix:
      `Upgrade to Python 3.${OLDEST_SUPPORTED_MINOR} or newer by changing the version in ${originText(origin)}; ` +
      `ideally to the latest, Python 3.${NEWEST_SUPPORTED_MINOR}.`,
  });
}

function unknownError(requested: RequestedPython, origin: PythonVersionOrigin): PybpError {
  const minorText = `${requested.major}.${requested.minor}`;
  return new PybpError({
    code: 'python-version-unknown',
    title: 'The requested Python version is not recognised',
    message:
      `${origin} asks for Python ${formatRequested(requested)}, but Python ${minorText} is not a version the ` +
      `Heroku Python buildpack (and pybp) knows: it supports 3.${OLDEST_SUPPORTED_MINOR} to ` +
      `3.${NEWEST_SUPPORTED_MINOR}. Check that the version has been released (${DEVGUIDE_URL}) and is ` +
      `supported (${SUPPORT_URL}).`,
    fix:
      `If it is a new release, a newer buildpack (and pybp) may support it: make sure you aren't using an old ` +
      `buildpack version pinned in project.toml. Otherwise change ${originText(origin)} to a supported ` +
      `version, e.g. ${example()}.`,
  });
}
