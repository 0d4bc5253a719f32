// The one way pybp reads a file that comes from an app (or that the app's
// config names). Such a file is untrusted input: a repo can commit
// `.python-version -> /dev/zero`, a FIFO, or a 10 GB `pyproject.toml`, and a
// plain readFile would then grow without bound or block forever (and a
// blocked libuv thread also holds up the rollback on Ctrl-C).
//
// So: the path is stat'ed (symlinks followed) and must be a regular file;
// it is opened with O_NONBLOCK (opening a FIFO then never waits for a writer)
// and fstat'ed again, so what is read is the regular file that was checked;
// and at most the cap of its kind is read, whatever the file claims or grows
// to (files under /proc report a size of 0).

import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PybpError } from '../core/errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** What a file is to pybp; each kind has a size cap far above any real file of that kind. */
export const APP_FILE_LIMITS = {
  /** `.python-version`: one version line and a few comments. */
  'python-version': { maxBytes: 64 * KiB, what: 'a .python-version file' },
  /** `.buildpackrc`, `.buildpackrc.json`, `.buildpackrc.yaml`: a few settings. */
  config: { maxBytes: 1 * MiB, what: 'a pybp config file' },
  /** The app's package.json, read only for its `buildpack` key. */
  'package-json': { maxBytes: 8 * MiB, what: 'a package.json' },
  /** pyproject.toml. */
  pyproject: { maxBytes: 8 * MiB, what: 'a pyproject.toml' },
  /** poetry.lock, uv.lock: large projects reach a few MB. */
  'lock-file': { maxBytes: 64 * MiB, what: 'a lock file' },
  /** requirements.txt (100k lines are about 3 MB). */
  requirements: { maxBytes: 16 * MiB, what: 'a requirements file' },
  /** Procfile: a few process lines. */
  procfile: { maxBytes: 1 * MiB, what: 'a Procfile' },
  /** `.env` (or the file `pybp run --env-file` names): config vars, a few lines. */
  'env-file': { maxBytes: 1 * MiB, what: 'an env file' },
  /** A Python source file pybp hands to the interpreter (manage.py). */
  'python-script': { maxBytes: 16 * MiB, what: 'a Python script' },
  /** A layer's `<name>.toml` or one of its `env/` files: a few lines pybp wrote (or a repo planted). */
  'layer-metadata': { maxBytes: 1 * MiB, what: "a layer's metadata or env file" },
  /** python.uvDownloadsJsonUrl as a file: uv's own list of Python downloads is about 3 MB. */
  'downloads-list': { maxBytes: 32 * MiB, what: 'a Python download list (python.uvDownloadsJsonUrl)' },
  /** A file of an installed distribution's `*.dist-info` (METADATA with its long description, direct_url.json). */
  'dist-info': { maxBytes: 16 * MiB, what: "an installed package's metadata" },
  /** An interpreter's include/pythonX.Y/patchlevel.h (about 1 KB). */
  'patchlevel-header': { maxBytes: 1 * MiB, what: "a Python installation's patchlevel.h" },
  /** A small file of a repository's git directory (`.git` as a file, HEAD, commondir, config), read as data. */
  'git-metadata': { maxBytes: 1 * MiB, what: "a git directory's metadata file" },
} as const;

export type AppFileKind = keyof typeof APP_FILE_LIMITS;

export interface AppFileOptions {
  /**
   * A directory at the path counts as absent (the buildpack's rule for
   * `.python-version`). Otherwise a directory is not a regular file: an error.
   */
  directoryIsAbsent?: boolean;
}

/** Missing, a broken symlink, or below a regular file: the file is simply not there. */
function isAbsentError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function describeFileType(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function appFileNotRegularError(file: string, st: Stats): PybpError {
  const name = basename(file);
  return new PybpError({
    code: 'app-file-not-regular',
    title: `${name} is not a regular file`,
    message: `${file} is ${describeFileType(st)} (after following symlinks), so pybp does not read it: reading a device or a pipe can block or never end.`,
    fix: `Make ${name} a regular file (if it is a symlink, point it at a regular file inside the app), or remove it.`,
  });
}

export function appFileTooLargeError(file: string, kind: AppFileKind, size: number | null): PybpError {
  const { maxBytes, what } = APP_FILE_LIMITS[kind];
  const name = basename(file);
  const sizeText = size === null ? 'more than that' : `${formatBytes(size)}`;
  return new PybpError({
    code: 'app-file-too-large',
    title: `${name} is too large`,
    message: `${file} is ${sizeText}; pybp reads at most ${formatBytes(maxBytes)} from ${what}, far more than a real one holds.`,
    fix: `Check that ${name} is the file you meant (not a symlink to a large file or a device), and shrink it below ${formatBytes(maxBytes)}.`,
  });
}

function formatBytes(n: number): string {
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= KiB) return `${+(n / KiB).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Checks, without reading, that `file` is a regular file within its kind's
 * cap: for files pybp hands to a tool (pip, uv, Poetry, python) that would
 * otherwise block on a FIFO or read a device forever. Returns false when the
 * file is absent (see `directoryIsAbsent`); other I/O errors are thrown as they are.
 */
export async function checkAppFile(file: string, kind: AppFileKind, opts: AppFileOptions = {}): Promise<boolean> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    if (isAbsentError(err)) return false;
    throw err;
  }
  if (st.isDirectory() && opts.directoryIsAbsent) return false;
  if (!st.isFile()) throw appFileNotRegularError(file, st);
  if (st.size > APP_FILE_LIMITS[kind].maxBytes) throw appFileTooLargeError(file, kind, st.size);
  return true;
}

/**
 * Reads `file` whole, bounded by its kind's cap. Returns undefined when the
 * file is absent. Throws `app-file-not-regular` / `app-file-too-large`
 * (PybpError) for a file pybp refuses to read, and other I/O errors (EACCES,
 * ELOOP, ...) as they are, for the caller to word.
 */
export async function readAppFile(file: string, kind: AppFileKind, opts: AppFileOptions = {}): Promise<Buffer | undefined> {
  if (!(await checkAppFile(file, kind, opts))) return undefined;
  const maxBytes = APP_FILE_LIMITS[kind].maxBytes;
  let handle: FileHandle;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open still returns at once.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if (isAbsentError(err)) return undefined;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw appFileNotRegularError(file, st);
    if (st.size > maxBytes) throw appFileTooLargeError(file, kind, st.size);
    // Reading up to one byte past the cap tells a file that grew (or lied
    // about its size: /proc) from one that fits.
    const chunkSize = Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * KiB));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(chunkSize, maxBytes + 1 - total);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw appFileTooLargeError(file, kind, null);
      chunks.push(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** `readAppFile` decoded as UTF-8 (invalid bytes become U+FFFD). */
export async function readAppText(file: string, kind: AppFileKind, opts: AppFileOptions = {}): Promise<string | undefined> {
  const bytes = await readAppFile(file, kind, opts);
  return bytes === undefined ? undefined : bytes.toString('utf8');
}
