// Paths whose bytes are not UTF-8. Node decodes argv and the working directory
// as UTF-8 and replaces bytes it can't decode with U+FFFD, so such a path
// can't even be named to the file system afterwards: a stat of the decoded
// string finds nothing. Without this check the app directory would be
// reported as "does not exist" while it is right there. On Linux the raw
// bytes are still readable from /proc, which tells the two cases apart.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { PybpError } from '../core/errors.js';

const REPLACEMENT = '\uFFFD';

/**
 * For an app directory that was not found: the error to give instead of
 * "does not exist" when the path as typed (or the working directory) exists
 * but has bytes Node could not decode. Null when that is not the case.
 */
export function undecodableAppDirError(appDir: string): PybpError | null {
  if (!appDir.includes(REPLACEMENT)) return null;
  const raw = rawPathFor(appDir);
  if (!raw) return null;
  const shown = escapeBytes(raw);
  return new PybpError({
    code: 'app-dir-not-utf8',
    title: 'The app path is not valid UTF-8',
    message: `The app directory ${shown} exists, but its path has bytes that are not UTF-8, and pybp (Node.js) cannot open such paths.`,
    fix: `Rename it (or the directory above it that has the odd name) to a UTF-8 name, or run pybp on a copy with a UTF-8 path.`,
  });
}

/** The raw bytes of the argument (or working directory) that decoded to `appDir`, when they name something that exists. */
function rawPathFor(appDir: string): Buffer | null {
  let cwd: Buffer;
  let args: Buffer[];
  try {
    cwd = readlinkSync('/proc/self/cwd', { encoding: 'buffer' });
    args = splitNul(readFileSync('/proc/self/cmdline'));
  } catch {
    return null; // not Linux, or no /proc: keep the plain "not found"
  }
  const candidates = [cwd, ...args.filter((a) => a.length > 0).map((a) => (a[0] === 0x2f ? a : Buffer.concat([cwd, Buffer.from('/'), a])))];
  for (const candidate of candidates) {
    if (path.resolve(candidate.toString('utf8')) !== appDir) continue;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function splitNul(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) {
      parts.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < buf.length) parts.push(buf.subarray(start));
  return parts;
}

/** The path with each byte that is not part of valid UTF-8 shown as \xNN. */
export function escapeBytes(raw: Buffer): string {
  const decoded = raw.toString('utf8');
  if (!decoded.includes(REPLACEMENT)) return decoded;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const len = utf8SequenceLength(raw, i);
    if (len === 0) {
      out += `\\x${raw[i].toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += raw.subarray(i, i + len).toString('utf8');
      i += len;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function utf8SequenceLength(buf: Buffer, i: number): number {
  const b = buf[i];
  const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (len <= 1) return len;
  if (i + len > buf.length) return 0;
  for (let k = 1; k < len; k++) if ((buf[i + k] & 0xc0) !== 0x80) return 0;
  return buf.subarray(i, i + len).toString('utf8').includes(REPLACEMENT) ? 0 : len;
}
