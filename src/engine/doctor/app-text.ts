// Reads one app file for doctor's lock-file and Procfile checks: only a
// regular file (a FIFO is opened without blocking, then refused), at most
// `maxBytes`. `null` when it does not exist; other problems are thrown as
// an Error whose message names the file.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE_MAX_BYTES = 32 * 1024 * 1024;
export const SMALL_FILE_MAX_BYTES = 1024 * 1024;

export async function readAppText(appDir: string, name: string, maxBytes: number): Promise<string | null> {
  const file = path.join(appDir, name);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new Error(`${name} could not be read: ${(err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${name} is not a regular file`);
    if (st.size > maxBytes) throw new Error(`${name} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
    const buffer = Buffer.alloc(st.size);
    const { bytesRead } = await handle.read(buffer, 0, st.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
