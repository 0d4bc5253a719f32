// Reading and writing pybp's own small files (control files in `<layers>/.pybp/`,
// the ownership registry) without ever following a symlink and with a size cap:
// such a file may have been planted (a committed `.pybp/`), and a link to
// /dev/zero or to a file elsewhere must be neither read through nor written
// through.
import { closeSync, constants, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
import path from 'node:path';

export type ControlRead =
  | { kind: 'absent' }
  | { kind: 'text'; text: string }
  /** Present but not pybp's own regular file (a symlink, a directory, a FIFO, too big): ignore it. */
  | { kind: 'foreign'; why: string };

/**
 * Reads a regular file (never through a symlink) of at most `maxBytes`.
 *
 * Synchronous under an async signature: these are pybp's own few-hundred-byte
 * files in its layers and state directories, read several times a build;
 * through the thread pool each read was five round trips (open, fstat, read,
 * read, close). The buffer is sized from fstat (plus one byte, to see a file
 * that grew past the cap), not zero-filled to the cap: the 16 MiB sidecar
 * cap alone cost a 16 MiB memset per read.
 */
export async function readControlFile(file: string, maxBytes: number): Promise<ControlRead> {
  return readControlFileSync(file, maxBytes);
}

function readControlFileSync(file: string, maxBytes: number): ControlRead {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink fails with ELOOP; O_NONBLOCK: a FIFO does not hang the open.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    if (code === 'ELOOP') return { kind: 'foreign', why: 'it is a symlink' };
    return { kind: 'foreign', why: (err as Error).message };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'foreign', why: 'it is not a regular file' };
    if (st.size > maxBytes) return { kind: 'foreign', why: `it is larger than ${maxBytes} bytes` };
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      // A file that grew since the fstat: read on, still never past the cap.
      if (total === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) return { kind: 'foreign', why: `it is larger than ${maxBytes} bytes` };
    }
    return { kind: 'text', text: buf.subarray(0, total).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes via a temporary file and rename: the rename replaces the directory
 * entry itself, so a symlink standing at `file` is never written through, and
 * a killed process never leaves half a file.
 */
export async function writeControlFile(file: string, content: string, mode = 0o644): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

export type EntryKind = 'dir' | 'file';

/** What stands at `p`, without following a symlink: a real directory, a regular file, something else, or nothing. */
export async function entryKind(p: string): Promise<EntryKind | 'other' | 'absent'> {
  try {
    const st = await fs.lstat(p);
    if (st.isDirectory()) return 'dir';
    if (st.isFile()) return 'file';
    return 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    throw err;
  }
}
