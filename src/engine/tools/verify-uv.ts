// The pinned uv is run only when its binary is one of uv's own (UV_BINARY_SHA256,
// fixed in pybp's source), wherever pybp found it: pybp's tool cache, a uv
// layer, PATH. A planted binary (a cache restored in CI, another user's
// world-writable cache, a file replaced in place) is refused before it runs.
//
// Hashing the ~22 MB binary costs ~20 ms, too much for every warm build, so a
// verified file is remembered in pybp's state directory (outside the cache
// dir, never restored with it) by its device, inode, size, mtime and ctime:
// any write or replacement changes at least one of them (ctime can't be set
// back by the file's owner), and then the file is hashed again.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { UV_VERSION } from '../core/versions.js';
import { ownStateDir } from '../io/cache-dir.js';
import { UV_BINARY_SHA256 } from './pinned-hashes.js';

const KNOWN = new Set(Object.values(UV_BINARY_SHA256));
const STAMP_VERSION = 1;

export type UvVerdict = { ok: true; hashed: boolean } | { ok: false; why: string };

function stampFile(binary: string, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(binary).digest('hex').slice(0, 24);
  return path.join(ownStateDir('verified-tools', env), `uv-${UV_VERSION}-${key}.json`);
}

function statKey(st: fs.BigIntStats): string {
  return [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join(':');
}

function readStamp(file: string): { key: string; sha256: string } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > 4096) return null;
    const data = JSON.parse(fs.readFileSync(fd, 'utf8')) as { version?: unknown; key?: unknown; sha256?: unknown };
    return data.version === STAMP_VERSION && typeof data.key === 'string' && typeof data.sha256 === 'string' ? { key: data.key, sha256: data.sha256 } : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function writeStamp(file: string, key: string, sha256: string, binary: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ version: STAMP_VERSION, path: binary, key, sha256 }) + '\n', { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Is `binary` (not a symlink) one of uv UV_VERSION's own binaries? Reads it through one descriptor. */
export function checkUvBinary(binary: string, env: NodeJS.ProcessEnv = process.env): UvVerdict {
  let fd: number;
  try {
    fd = fs.openSync(binary, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, why: `it can't be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    if (!st.isFile()) return { ok: false, why: 'it is not a regular file' };
    if (st.size > 256n << 20n) return { ok: false, why: 'it is far larger than uv' };
    const key = statKey(st);
    const stamp = stampFile(binary, env);
    const known = readStamp(stamp);
    if (known !== null && known.key === key && KNOWN.has(known.sha256)) return { ok: true, hashed: false };
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
    const sha256 = hash.digest('hex');
    if (!KNOWN.has(sha256)) return { ok: false, why: `its sha256 ${sha256.slice(0, 16)}… is not that of any uv ${UV_VERSION} pybp knows` };
    writeStamp(stamp, key, sha256, binary);
    return { ok: true, hashed: true };
  } finally {
    fs.closeSync(fd);
  }
}

/** checkUvBinary, as the coded error pybp stops with before it would run anything else. */
export function verifyUvBinary(binary: string, env: NodeJS.ProcessEnv = process.env): void {
  const verdict = checkUvBinary(binary, env);
  if (!verdict.ok) throw uvMismatchError(binary, verdict.why);
}

export function uvMismatchError(binary: string, why: string): PybpError {
  return new PybpError({
    code: 'pinned-tool-hash-mismatch',
    title: `pybp's pinned uv ${UV_VERSION} failed its check`,
    message: `${binary} should be uv ${UV_VERSION}, and ${why}. pybp runs only the uv binaries whose hashes it ships with; it did not run this one.`,
    fix: `Delete ${path.dirname(path.dirname(binary))} (pybp installs it again from the package index, checked against the same hashes), or build with --clear-cache when it is a layer.`,
  });
}
