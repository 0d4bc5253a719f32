// Builds the python layer from an interpreter on this machine, laid out like
// the buildpack's own archive: bin/python3.Y with python3 and python links,
// include/python3.Y, lib/libpython3.Y*, lib/python3.Y with an empty
// site-packages, and lib/pkgconfig/python*.pc.
//
// Everything else in the source's bin/ stays out: pip, idle, pydoc and 2to3
// are scripts with an absolute shebang pointing back at the source, and the
// buildpack's Python has no pip on PATH. site-packages stays empty so the
// source's own pip and whatever else was installed into it don't leak in.
//
// The source is only ever read, and the layer never shares a file with it:
// files are reflinked, hard-linked to pybp's own read-only copy of the
// interpreter, or copied (see pristine.ts). So nothing done to the layer, by a
// build or by `pybp run`, can change the user's interpreter.

import fs from 'node:fs';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { interruptedError } from '../core/interrupted.js';
import type { LocalInterpreter } from './discover.js';
import { ownCacheDir } from '../io/cache-dir.js';
import { createSafePlacer, pristineDirFor, type PlacementStrategy } from './pristine.js';
import {
  emptyDirectory,
  emptyStats,
  ensureEmptyDirectory,
  errnoCode,
  isInside,
  mirrorTree,
  placeFile,
  TimeSlicer,
  type LinkSyncFn,
  type MirrorContext,
  type TreeStats,
} from './tree.js';
import { minorName, parsePythonVersion } from './version.js';

export interface LocalInstallOptions {
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
  /** Replaces fs.linkSync (tests use it to force the copy fallback). */
  link?: LinkSyncFn;
  /**
   * Where pybp keeps its read-only copies of interpreters (default: $XDG_CACHE_HOME/pybp/interpreters,
   * or ~/.cache/pybp/interpreters); null copies every file into the layer instead.
   */
  interpreterCache?: string | null;
}

export interface LocalInstallResult {
  sizeBytes: number;
  /** hardlink: every file linked to pybp's read-only copy; reflink: copy-on-write clones; copy: at least one real copy. */
  method: 'hardlink' | 'reflink' | 'copy';
  stats: TreeStats;
  /** Files copied into pybp's copy of the interpreter for this layer (0 when it was complete). */
  pristineCopied: number;
}

export async function installLocalInterpreter(
  interpreter: LocalInterpreter,
  layerDir: string,
  opts: LocalInstallOptions = {},
): Promise<LocalInstallResult> {
  await ensureEmptyDirectory(layerDir);
  opts.onProgress?.(`Placing Python ${interpreter.version} from ${interpreter.prefix}`);
  // pybp's copies are linked into layers: used only when no other user can have written them.
  const cacheRoot = opts.interpreterCache === undefined ? ownCacheDir('interpreters') : opts.interpreterCache;
  const pristineDir = cacheRoot === null ? null : pristineDirFor(cacheRoot, interpreter.prefix, interpreter.version);
  const placer = createSafePlacer({ sourceRoot: interpreter.prefix, pristineDir, layerDir, link: opts.link });
  const ctx: MirrorContext = {
    slicer: new TimeSlicer(opts.signal),
    placer,
    stats: emptyStats(),
    seenInodes: new Set(),
    sourceRoot: interpreter.prefix,
  };
  try {
    await populate(interpreter, layerDir, ctx);
    await ctx.placer.settle();
  } catch (error) {
    // Let started copies finish before clearing up, then leave the directory as it was given: empty.
    await ctx.placer.settle().catch(() => undefined);
    await emptyDirectory(layerDir).catch(() => undefined);
    throw copyError(interpreter, layerDir, error, opts.signal);
  }
  const { stats } = ctx;
  stats.hardlinked -= placer.counts.linkFallbacks;
  stats.copied += placer.counts.linkFallbacks;
  const strategy = placer.strategy();
  const method = strategy === 'reflink' ? 'reflink' : stats.copied > 0 ? 'copy' : 'hardlink';
  const pristineCopied = placer.counts.pristineCopied;
  opts.onProgress?.(placedMessage(method, strategy, stats, pristineCopied, interpreter.prefix, pristineDir));
  return { sizeBytes: stats.bytes, method, stats, pristineCopied };
}

function placedMessage(
  method: LocalInstallResult['method'],
  strategy: PlacementStrategy | null,
  stats: TreeStats,
  pristineCopied: number,
  prefix: string,
  pristineDir: string | null,
): string {
  if (method === 'reflink') return `Cloned ${stats.files} files from ${prefix} (copy-on-write: the layer's files are its own)`;
  if (method === 'hardlink') {
    const fresh = pristineCopied > 0 ? `, after copying ${pristineCopied} new or changed files into it` : '';
    return `Linked ${stats.files} files to pybp's read-only copy of ${prefix} in ${pristineDir}${fresh}`;
  }
  const why =
    strategy === 'copy'
      ? `pybp's copy of the interpreter ${pristineDir ? `(${pristineDir}) is on another file system or can't be written` : 'is turned off'}`
      : 'hard links were not possible for every file';
  return `Copied ${stats.copied} of ${stats.files} files from ${prefix} (${why})`;
}

async function populate(interpreter: LocalInterpreter, layerDir: string, ctx: MirrorContext): Promise<void> {
  const parts = parsePythonVersion(interpreter.version);
  if (!parts) throw new Error(`Interpreter version ${JSON.stringify(interpreter.version)} is not X.Y.Z`);
  const y = minorName(parts);
  const prefix = interpreter.prefix;
  const { stats } = ctx;
  const mkdir = (dir: string) => {
    fs.mkdirSync(dir);
    stats.dirs++;
  };
  const symlink = (target: string, at: string) => {
    fs.symlinkSync(target, at);
    stats.symlinks++;
  };

  // bin: the interpreter and its two names. python3.Y-config is a /bin/sh
  // script that finds its prefix from its own location, so it works from the layer.
  const binDir = path.join(layerDir, 'bin');
  mkdir(binDir);
  placeFile(fs.realpathSync(interpreter.executable), path.join(binDir, `python${y}`), ctx);
  symlink(`python${y}`, path.join(binDir, 'python3'));
  symlink('python3', path.join(binDir, 'python'));
  const config = path.join(prefix, 'bin', `python${y}-config`);
  if (isFile(config)) {
    placeFile(fs.realpathSync(config), path.join(binDir, `python${y}-config`), ctx);
    symlink(`python${y}-config`, path.join(binDir, 'python3-config'));
  }

  const includeDir = path.join(prefix, 'include', `python${y}`);
  if (isDirectory(includeDir)) {
    mkdir(path.join(layerDir, 'include'));
    await mirrorTree(includeDir, path.join(layerDir, 'include', `python${y}`), ctx);
  }

  const libDir = path.join(layerDir, 'lib');
  mkdir(libDir);
  const wanted = sharedLibraryPattern(y);
  for (const entry of fs.readdirSync(path.join(prefix, 'lib'), { withFileTypes: true })) {
    if (!wanted.test(entry.name)) continue;
    const from = path.join(prefix, 'lib', entry.name);
    if (entry.isSymbolicLink()) symlink(relativeTarget(fs.readlinkSync(from), from, prefix), path.join(libDir, entry.name));
    else if (entry.isFile()) placeFile(from, path.join(libDir, entry.name), ctx);
  }

  const pkgconfigDir = path.join(prefix, 'lib', 'pkgconfig');
  if (isDirectory(pkgconfigDir)) {
    mkdir(path.join(libDir, 'pkgconfig'));
    for (const entry of fs.readdirSync(pkgconfigDir, { withFileTypes: true })) {
      if (!/^python.*\.pc$/.test(entry.name)) continue;
      const from = path.join(pkgconfigDir, entry.name);
      const to = path.join(libDir, 'pkgconfig', entry.name);
      if (entry.isSymbolicLink()) {
        symlink(relativeTarget(fs.readlinkSync(from), from, prefix), to);
      } else if (entry.isFile()) {
        // The .pc files name the source's prefix; pkg-config users of the layer should get the layer's headers.
        const text = rewritePkgconfigPrefix(fs.readFileSync(from, 'utf8'), layerDir);
        fs.writeFileSync(to, text, { mode: 0o644 });
        stats.files++;
        stats.bytes += Buffer.byteLength(text);
      }
    }
  }

  // EXTERNALLY-MANAGED (PEP 668; uv writes it into the Pythons it installs, Debian into its own) stays
  // out: the buildpack's Python has none, and with it pip refuses to install pip into the layer.
  await mirrorTree(path.join(prefix, 'lib', `python${y}`), path.join(libDir, `python${y}`), ctx, (rel) =>
    rel === 'site-packages' ? 'empty-dir' : rel === 'EXTERNALLY-MANAGED' ? 'skip' : 'mirror',
  );
}

/** libpython3.Y.so*, libpython3.Yd.so*, libpython3.so (the stable ABI) and their macOS .dylib twins. */
export function sharedLibraryPattern(y: string): RegExp {
  const escaped = y.replace('.', '\\.');
  return new RegExp(`^libpython(?:${escaped}[a-z]*|3)\\.(?:so(?:\\.[0-9.]+)?|dylib)$|^libpython${escaped}[a-z]*\\.[0-9.]+\\.dylib$`);
}

export function rewritePkgconfigPrefix(text: string, prefix: string): string {
  return text.replace(/^prefix=.*$/m, `prefix=${prefix}`);
}

function relativeTarget(target: string, linkPath: string, root: string): string {
  if (path.isAbsolute(target) && isInside(root, target)) return path.relative(path.dirname(linkPath), target) || '.';
  return target;
}

function isFile(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function copyError(interpreter: LocalInterpreter, layerDir: string, error: unknown, signal?: AbortSignal): unknown {
  if (error instanceof PybpError) return error;
  if (signal?.aborted) return interruptedError(`Copying Python ${interpreter.version} into ${layerDir}`, error);
  const code = errnoCode(error);
  // toErrorData turns these into 'disk-full'.
  if (code === 'ENOSPC' || code === 'EDQUOT') return error;
  const text = error instanceof Error ? error.message : String(error);
  return new PybpError(
    {
      code: 'python-copy-failed',
      title: 'Python could not be copied into the layer',
      message: `Copying Python ${interpreter.version} from ${interpreter.prefix} into ${layerDir} failed: ${text}`,
      fix: `Check that ${interpreter.prefix} is readable and that ${path.dirname(layerDir)} is writable, then build again. If that interpreter is broken, reinstall it or choose another with python.interpreters.`,
    },
    { cause: error },
  );
}
