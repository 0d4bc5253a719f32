// Creates a directory and its missing parents, reporting the real reason when
// that fails. Node's recursive mkdir reports ENOENT ("no such file or
// directory, mkdir <dir>") when a parent can't be made on a read-only file
// system, which reads as if the app directory did not exist.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function makeDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Make the first missing component alone: that mkdir fails with the real errno (EROFS, EACCES...).
    let missing = path.resolve(dir);
    while (path.dirname(missing) !== missing && !(await exists(path.dirname(missing)))) missing = path.dirname(missing);
    await fs.mkdir(missing);
    // It worked this time (something else changed in between): finish the job.
    await fs.mkdir(dir, { recursive: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
