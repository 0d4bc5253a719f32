// Removing a test's temp tree, whatever the test did to it. No vitest import:
// the global setup uses it too.
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes `dir` whatever a test did to it: modes that forbid reading or
 * writing (a chmod-000 tree, a read-only interpreter copy) are lifted first
 * when a plain removal is refused (as a non-root user it would be).
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    return;
  } catch (error) {
    if (!isPermissionError(error)) throw error;
  }
  await makeWritable(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function makeWritable(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  await chmod(path, 0o700).catch(() => undefined);
  for (const name of await readdir(path).catch(() => [] as string[])) await makeWritable(join(path, name));
}

function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'ENOTEMPTY';
}
