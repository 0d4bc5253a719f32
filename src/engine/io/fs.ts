// Existence checks with the buildpack's semantics (Rust `Path::try_exists`):
// symlinks are followed (a broken one does not exist), any kind of entry
// counts, a path whose parent is a regular file does not exist, and every
// other I/O error is a hard error rather than a silent "no".
//
// The buildpack runs on Linux, where names are case-sensitive. On a
// case-insensitive filesystem (macOS default) `stat("requirements.txt")` also
// finds `Requirements.txt`, so entries are matched by exact name against a
// directory listing before being stat'ed.

import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BUG_REPORT_ADVICE, PybpError } from '../core/errors.js';

/** The exact entry names in a directory, or `null` when the directory does not exist. */
export type DirListing = ReadonlySet<string> | null;

export interface EntryOptions {
  /** Only a directory (or a symlink to one) matches, like a trailing `/` in the buildpack's lists. */
  directoryOnly?: boolean;
  /** A listing of `dir` from `listDir`, so several checks share one `readdir`. */
  listing?: DirListing;
}

/** Errors that `try_exists` (as the buildpack uses it) reports as "does not exist". */
export function isNotFoundError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function describeIoError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The buildpack's `FileExistsError`: a check that could not say yes or no. */
export function fileCheckFailedError(fileName: string, fullPath: string, cause: unknown): PybpError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new PybpError(
    {
      code: 'file-check-failed',
      title: `Couldn't check whether ${fileName} exists`,
      message: `An I/O error${errno ? ` (${errno})` : ''} occurred while checking whether ${fullPath} exists.`,
      fix: `Check that ${fullPath} and the directories above it can be read (permissions, symlinks). ${BUG_REPORT_ADVICE}`,
      details: [describeIoError(cause)],
    },
    { cause },
  );
}

/** Reads the entry names of `dir` once; `null` when `dir` is missing or not a directory. */
export async function listDir(dir: string): Promise<DirListing> {
  return readListing(dir, basename(dir), dir);
}

async function readListing(dir: string, fileName: string, fullPath: string): Promise<DirListing> {
  try {
    return new Set(await readdir(dir));
  } catch (err) {
    if (isNotFoundError(err)) return null;
    throw fileCheckFailedError(fileName, fullPath, err);
  }
}

/**
 * Whether `dir` holds an entry called exactly `name` that exists once symlinks
 * are followed (and, with `directoryOnly`, is a directory).
 */
export async function entryExists(dir: string, name: string, opts: EntryOptions = {}): Promise<boolean> {
  const fullPath = join(dir, name);
  const listing = opts.listing !== undefined ? opts.listing : await readListing(dir, name, fullPath);
  if (listing === null || !listing.has(name)) return false;
  try {
    const stats = await stat(fullPath);
    return opts.directoryOnly ? stats.isDirectory() : true;
  } catch (err) {
    if (isNotFoundError(err)) return false;
    throw fileCheckFailedError(name, fullPath, err);
  }
}

// Probes for pybp's own lookups (a tool in a layer, an interpreter's file, a
// layer's env/ folder), where "can't tell" simply means "not there": symlinks
// are followed and any error is a no. Checks with the buildpack's semantics
// use entryExists above.

/** A regular file (after symlinks) is at `p`. */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** A directory (after symlinks) is at `p`. */
export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The first `maxBytes` of a regular file as UTF-8 (a link is not followed), or
 * null when it is not a regular file or can't be read: for reading pybp's own
 * layers as data (a venv's RECORD files and modules), never more than asked.
 */
export async function readHead(p: string, maxBytes: number): Promise<string | null> {
  let handle;
  try {
    handle = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!(await handle.stat()).isFile()) return null;
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buf, 0, maxBytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
