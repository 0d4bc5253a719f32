// Every temp directory a test makes goes through `makeTempDir`: it is removed
// when the test that made it ends (passed, failed or timed out), or, made in
// beforeAll or at module level, after the file's last test — after the
// processes of that test or file are killed (test/support/children.ts), so
// nothing is still writing into it.
//
// The directories sit under one root per test run (made and removed by
// test/global-setup.ts), so even a worker that dies without running its hooks
// leaves nothing in the machine's temp dir once the run ends. os.tmpdir()
// itself is left as it is: pybp's own temp files (a build's fresh HOME,
// `pybp-home-*`) still go where a user's would, and the leak checks look there.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { onScopeEnd } from './children.js';
import { removeTree } from './remove-tree.js';

export { removeTree };

/** The run's root for test temp dirs; os.tmpdir() outside a vitest worker (the global setup itself). */
export function testTempRoot(): string {
  let root: string | undefined;
  try {
    root = inject('tempRoot');
  } catch {
    root = undefined;
  }
  return root ?? tmpdir();
}

/** A fresh temp directory whose path has a space in it (paths must be quoted everywhere), removed with its test or file. */
export async function makeTempDir(prefix = 'pybp app-'): Promise<string> {
  const dir = await mkdtemp(join(testTempRoot(), prefix));
  await onScopeEnd(dir, () => removeTree(dir));
  return dir;
}
