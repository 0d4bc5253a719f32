// Runs pybp's CommonJS bundle with a V8 code cache, the way v8-compile-cache
// does: Node 20 has no compile cache of its own (module.enableCompileCache is
// Node 22), and compiling the ~0.9 MB bundle plus the functions a command
// runs is a good part of pybp's own start-up (bench/RESULTS.md).
//
// The cache is only ever a hint. It holds V8's compiled code for one exact
// bundle text: the file starts with the SHA-1 of that text and an HMAC-SHA256
// of that hash and the rest, and anything that does not match (another
// bundle, a torn or corrupt file, a file that is not a regular file, a cache
// V8 rejects for another Node or other V8 flags) is ignored, the bundle is
// compiled from source as without a cache, and a fresh cache is written when
// the process exits. It is written whole or not at all (a temporary file,
// then rename), so a crash or two pybp processes at once never leave half a file.
//
// What a cache holds is what the run that wrote it compiled: the top level,
// and every function that run called. A function it did not call is compiled
// from source by every later run that calls it. So each command has its own
// cache (`pybp --version` first must not leave `build` with a top-level-only
// cache: measured, a warm uv rebuild then ran 436 M instead of 372 M
// instructions, every time), and the first GENERATIONS runs of a command each
// write it again, holding what they compiled on top of what they were given
// (a first build creates its layers, the second reuses them: other functions).
//
// V8 runs cached code as it finds it (it checks only the source's length and
// flags), so a planted cache file would run planted code: a CI job restores
// ~/.cache from an earlier job, as the same user. Hence the HMAC: its key is
// 32 random bytes made on first use in pybp's STATE directory (never in the
// cache dir, never restored with it), a regular 0600 file of this user; without
// a usable key there is no cache. Measured (2 cores under load, medians): the
// cache saves ~50 ms wall / ~10 ms CPU on `pybp --version` and ~35 ms wall /
// ~10 ms CPU on `explain --json`; the HMAC-SHA256 over the ~0.6 MB cache takes
// ~0.4 ms, plus one read of the key file.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const HASH_BYTES = 20;
const MAC_BYTES = 32;
/** After the MAC: how many runs have written this cache (1 for the first). */
const GENERATION_BYTES = 1;
const HEADER_BYTES = HASH_BYTES + MAC_BYTES + GENERATION_BYTES;
/** A command's first runs each write its cache again (see the top of the file); later runs only read it. */
export const GENERATIONS = 3;
const KEY_BYTES = 32;
/** Far above any real cache (~0.5 MB); a bigger file is not ours to read whole. */
const MAX_CACHE_BYTES = 64 << 20;

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

/** The HMAC over the source's hash and everything after the MAC (the generation and V8's data). */
function mac(key: Buffer, sourceHash: Buffer, rest: Buffer): Buffer {
  return createHmac('sha256', key).update(sourceHash).update(rest).digest();
}

/**
 * The code cache's key: `keyFile`'s 32 bytes, made (0600, in a 0700 directory)
 * if it does not exist yet; null when it can't be made or is not a regular
 * file of this user that only this user can read (then no cache is used).
 */
export function codeCacheKey(keyFile: string): Buffer | null {
  const read = (): Buffer | null => {
    let fd: number;
    try {
      fd = fs.openSync(keyFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch {
      return null;
    }
    try {
      const st = fs.fstatSync(fd);
      const uid = process.getuid?.();
      if (!st.isFile() || st.size !== KEY_BYTES || (st.mode & 0o077) !== 0 || (uid !== undefined && st.uid !== uid)) return null;
      const key = Buffer.alloc(KEY_BYTES);
      return fs.readSync(fd, key, 0, KEY_BYTES, 0) === KEY_BYTES ? key : null;
    } catch {
      return null;
    } finally {
      fs.closeSync(fd);
    }
  };
  const found = read();
  if (found !== null || fs.existsSync(keyFile)) return found;
  try {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    // O_EXCL: two first runs at once make one key; the other reads it (or, mid-write, runs without a cache once).
    fs.writeFileSync(keyFile, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch {
    // No key, no cache.
  }
  return read();
}

/** Where the cache files go and the key that authenticates them. */
export interface CodeCacheSpec {
  dir: string;
  keyFile: string;
  /** Which command this run is (`build`, `explain`...): each has its own cache. None: the plain name (--version, --help). */
  variant?: string;
}

/** Caches kept per bundle name and command: other checkouts (or versions) of pybp sharing the cache directory keep theirs. */
const KEEP_CACHES = 8;

/** A command name as it appears in a cache file's name: lower-case letters only (anything else has none). */
const VARIANT = /^[a-z]{1,16}$/;

/**
 * The cache file for one bundle text under `cacheDir`: named by the text's
 * hash (builds of different checkouts never take turns overwriting one file),
 * the command (`variant`, when it is a plain word), and per Node version and
 * architecture, as V8's code is.
 */
export function codeCacheFile(cacheDir: string, bundleFile: string, sourceHash: Buffer, variant?: string): string {
  const command = variant !== undefined && VARIANT.test(variant) ? `${variant}-` : '';
  return path.join(cacheDir, `${path.basename(bundleFile)}-${sourceHash.toString('hex').slice(0, 16)}-${command}${process.version}-${process.arch}.bin`);
}

/** Removes all but the newest KEEP_CACHES cache files of this bundle name and command (pybp's own files, by their name). */
function pruneCodeCaches(cacheDir: string, bundleName: string, variant: string | undefined): void {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const command = variant !== undefined && VARIANT.test(variant) ? `${variant}-` : '';
  // v<digit>: the Node version follows at once (a cache without a command is not any command's).
  const ours = new RegExp(`^${escape(bundleName)}-[0-9a-f]{16}-${escape(command)}v[0-9].*\\.bin$`);
  const files = fs
    .readdirSync(cacheDir)
    .filter((name) => ours.test(name))
    .map((name) => ({ name, mtime: fs.lstatSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of files.slice(KEEP_CACHES)) fs.rmSync(path.join(cacheDir, name), { force: true });
}

/** A cache that fits: V8's data and how many runs have written it. */
export interface CodeCache {
  data: Buffer;
  generation: number;
}

/** The cache for a bundle whose text hashes to `sourceHash`, or undefined when there is none that fits. */
export function readCodeCache(cacheFile: string, sourceHash: Buffer, key: Buffer): CodeCache | undefined {
  let fd: number;
  try {
    fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size <= HEADER_BYTES || st.size > MAX_CACHE_BYTES) return undefined;
    const file = Buffer.allocUnsafe(st.size);
    let total = 0;
    while (total < file.length) {
      const n = fs.readSync(fd, file, total, file.length - total, total);
      if (n === 0) return undefined;
      total += n;
    }
    if (!file.subarray(0, HASH_BYTES).equals(sourceHash)) return undefined;
    const rest = file.subarray(HASH_BYTES + MAC_BYTES);
    if (!timingSafeEqual(file.subarray(HASH_BYTES, HASH_BYTES + MAC_BYTES), mac(key, sourceHash, rest))) return undefined;
    return { generation: rest[0], data: rest.subarray(GENERATION_BYTES) };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the cache whole or not at all (a cache that cannot be written is
 * simply not there next time), then drops the oldest caches of this bundle name and command.
 */
export function writeCodeCache(cacheFile: string, sourceHash: Buffer, key: Buffer, data: Buffer, bundleName: string, generation = 1, variant?: string): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    const rest = Buffer.concat([Buffer.of(Math.min(generation, 255)), data]);
    fs.writeFileSync(tmp, Buffer.concat([sourceHash, mac(key, sourceHash, rest), rest]), { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
    pruneCodeCaches(path.dirname(cacheFile), bundleName, variant);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the cache is optional.
    }
  }
}

/**
 * The bundle's text from its bytes: pybp.cjs is ASCII (scripts/bundle.mjs
 * makes sure), which V8 takes as one-byte text without decoding UTF-8; any
 * other file is decoded as UTF-8, as require() would.
 */
function bundleText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * `require(bundleFile)`, compiled with its code cache in `cache.dir` when one
 * fits and its HMAC holds under the key in `cache.keyFile` (null: no cache). The bundle must not call import() (Node 20 runs
 * import() in a vm.Script only with --experimental-vm-modules), and it
 * requires relative to its own file. When there was no cache that fits, or
 * the one there is of an early generation, `atExit` is handed the function
 * that writes one.
 */
export function requireWithCodeCache(
  bundleFile: string,
  cache: CodeCacheSpec | null,
  atExit: (save: () => void) => void = (save) => process.once('exit', save),
): unknown {
  const localRequire = createRequire(bundleFile);
  const key = cache === null ? null : codeCacheKey(cache.keyFile);
  if (cache === null || key === null) return localRequire(bundleFile);
  // Hashed as read (the file's bytes), decoded once.
  const bytes = fs.readFileSync(bundleFile);
  const sourceHash = sha1(bytes);
  const source = bundleText(bytes);
  const cacheFile = codeCacheFile(cache.dir, bundleFile, sourceHash, cache.variant);
  const found = readCodeCache(cacheFile, sourceHash, key);
  // Node's own CommonJS wrapper, on the source's first line so stack traces keep their line numbers.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundleFile, cachedData: found?.data });
  const fits = found !== undefined && script.cachedDataRejected !== true;
  if (!fits || found.generation < GENERATIONS) {
    // At exit the cache also holds every function this command compiled, not just the top level.
    const generation = fits ? found.generation + 1 : 1;
    atExit(() => writeCodeCache(cacheFile, sourceHash, key, script.createCachedData(), path.basename(bundleFile), generation, cache.variant));
  }
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (e: unknown, r: NodeRequire, m: { exports: unknown }, f: string, d: string) => void;
  run.call(module.exports, module.exports, localRequire, module, bundleFile, path.dirname(bundleFile));
  return module.exports;
}
