// How a local interpreter's files get into a python layer without the layer
// ever sharing a file with the user's installation. A hard link to the user's
// file would make any write through the layer (`pybp run -- sh -c 'echo >>
// <layer file>'`, a tool patching its own interpreter) a write into their
// pyenv. Copying 300 MB for every layer costs seconds, so, in order:
//
// 1. reflink: on file systems with copy-on-write clones (btrfs, XFS, APFS
//    through libuv's clonefile) each file is cloned; the clone is the layer's
//    own, a write to it copies the block. Probed once per layer.
// 2. pybp's own copy: one read-only copy per interpreter in pybp's cache
//    directory ($XDG_CACHE_HOME/pybp/interpreters, or ~/.cache/...), made
//    once, and hard-linked into every layer. Its files have no write bits, so
//    a write through a layer fails (EACCES) for every user but root. Before a
//    file is linked it is checked against the user's file (size, mtime, no
//    write bits); a file that differs (the user reinstalled, or root wrote
//    into a layer) is copied again first, to a new inode, so no layer made
//    from then on sees the change.
// 3. a plain copy from the user's file, when the cache is on another file
//    system than the layer or cannot be written.
//
// The user's files are only ever opened for reading.

import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { pybpCacheDir } from '../io/cache-dir.js';
import { createLimiter } from './limiter.js';
import { COPY_PARALLELISM, errnoCode, isInside, type FilePlacer, type LinkSyncFn } from './tree.js';

/** Where pybp keeps its copies of local interpreters. */
export function defaultInterpreterCache(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(pybpCacheDir(env), 'interpreters');
}

/** The directory of one interpreter's copy: its version plus a digest of its prefix. */
export function pristineDirFor(cacheRoot: string, prefix: string, version: string): string {
  const digest = createHash('sha256').update(prefix).digest('hex').slice(0, 16);
  return path.join(cacheRoot, `${version}-${digest}`);
}

export type PlacementStrategy = 'reflink' | 'pristine-link' | 'copy';

export interface PlacementCounts {
  /** Files copied into pybp's copy of the interpreter (new, or changed since). */
  pristineCopied: number;
  /** Files place() reported as linked whose link then failed, so they were copied. */
  linkFallbacks: number;
}

export interface SafePlacer extends FilePlacer {
  /** How files reach the layer; decided by the first file placed. */
  strategy(): PlacementStrategy | null;
  counts: PlacementCounts;
}

const NO_REFLINK = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'EPERM', 'EBADF', 'ENOTTY']);
// ENOENT: pybp's copy of that file was there when checked and gone at the link
// (seen once in CI with two builds of the same interpreter at once); the
// user's file is the truth, so that one file is copied from it.
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOENT']);
// After one of these no link will work (EPERM and EMLINK are per file: fs.protected_hardlinks, the link limit).
const NO_LINK_AT_ALL = new Set(['EXDEV', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * A FilePlacer for files under `sourceRoot` that never links to them: reflinks, links to the
 * read-only copy under `pristineDir`, or copies (see the top of this file).
 */
export function createSafePlacer(opts: {
  sourceRoot: string;
  pristineDir: string | null;
  layerDir: string;
  link?: LinkSyncFn;
}): SafePlacer {
  const link = opts.link ?? fs.linkSync;
  const limit = createLimiter(COPY_PARALLELISM);
  const pending: Array<Promise<void>> = [];
  let firstFailure: { error: unknown } | undefined;
  let strategy: PlacementStrategy | null = null;
  const counts: PlacementCounts = { pristineCopied: 0, linkFallbacks: 0 };
  const madeDirs = new Set<string>();

  const background = (work: () => Promise<void>) => {
    pending.push(
      limit(work).catch((error: unknown) => {
        firstFailure ??= { error };
      }),
    );
  };
  const copyPrivately = (src: string, dst: string) => background(() => fs.promises.copyFile(src, dst, fs.constants.COPYFILE_FICLONE));

  const decide = (src: string, dst: string): PlacementStrategy => {
    try {
      fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE);
      return 'reflink';
    } catch (error) {
      const code = errnoCode(error);
      if (!code || !NO_REFLINK.has(code)) throw error;
      fs.rmSync(dst, { force: true });
    }
    if (opts.pristineDir && usablePristine(opts.pristineDir, opts.layerDir)) return 'pristine-link';
    return 'copy';
  };

  const tryLink = (from: string, to: string): boolean => {
    try {
      link(from, to);
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (!code || !NO_LINK.has(code)) throw error;
      if (NO_LINK_AT_ALL.has(code)) strategy = 'copy';
      return false;
    }
  };

  const ensureDir = (dir: string) => {
    if (madeDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  };

  return {
    counts,
    strategy: () => strategy,
    place(src, dst, known) {
      if (firstFailure) throw firstFailure.error;
      if (strategy === null) {
        strategy = decide(src, dst);
        if (strategy === 'reflink') return 'copy';
      }
      if (strategy === 'reflink') {
        fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE);
        return 'copy';
      }
      const rel = path.relative(opts.sourceRoot, src);
      if (strategy === 'copy' || !opts.pristineDir || !isInside(opts.sourceRoot, src) || rel === '') {
        copyPrivately(src, dst);
        return 'copy';
      }
      const pristine = path.join(opts.pristineDir, rel);
      const srcStat = known ?? fs.statSync(src);
      if (isFresh(srcStat, pristine)) {
        if (tryLink(pristine, dst)) return 'hardlink';
        copyPrivately(src, dst);
        return 'copy';
      }
      // Copy into pybp's copy first (a new inode, renamed into place), then link the layer to it.
      ensureDir(path.dirname(pristine));
      background(async () => {
        await refreshPristine(src, srcStat, pristine);
        counts.pristineCopied++;
        if (tryLink(pristine, dst)) return;
        counts.linkFallbacks++;
        await fs.promises.copyFile(src, dst, fs.constants.COPYFILE_FICLONE);
      });
      return 'hardlink';
    },
    async settle() {
      // Work queued while settling (none today) would be missed by a single Promise.all.
      for (let seen = 0; seen < pending.length; seen = pending.length) await Promise.all(pending.slice(seen));
      if (firstFailure) throw firstFailure.error;
    },
  };
}

/** The copy still matches the user's file and has no write bits: nobody wrote to it since it was made. */
export function isFresh(srcStat: Stats, pristine: string): boolean {
  let st: Stats;
  try {
    st = fs.lstatSync(pristine);
  } catch {
    return false;
  }
  return (
    st.isFile() &&
    st.size === srcStat.size &&
    // utimes takes the time as a double of seconds: allow for its rounding, never for a real write.
    Math.abs(st.mtimeMs - srcStat.mtimeMs) < 1 &&
    (st.mode & 0o7777) === readOnlyMode(srcStat.mode)
  );
}

function readOnlyMode(mode: number): number {
  return mode & 0o7777 & ~0o222;
}

async function refreshPristine(src: string, srcStat: Stats, pristine: string): Promise<void> {
  const tmp = `${pristine}.pybp-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await fs.promises.copyFile(src, tmp, fs.constants.COPYFILE_FICLONE);
    await fs.promises.chmod(tmp, readOnlyMode(srcStat.mode));
    // The same mtime as the user's file: the freshness check compares it, and Python's
    // .pyc files are only valid next to sources with the mtime they recorded.
    await fs.promises.utimes(tmp, srcStat.atime, srcStat.mtime);
    // A layer still linked to the old inode keeps it; only new links see the new file.
    await fs.promises.rename(tmp, pristine);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The copy can serve this layer: it can be made, and it is on the layer's file system (hard links). */
function usablePristine(pristineDir: string, layerDir: string): boolean {
  try {
    fs.mkdirSync(pristineDir, { recursive: true });
    return fs.statSync(pristineDir).dev === fs.statSync(layerDir).dev;
  } catch {
    return false;
  }
}
