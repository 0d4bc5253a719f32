// Helpers for the CLI tests. pybp itself is run with test/support/cli.ts (the
// one runner, re-exported here): a clean environment, and every process it
// starts killed when the test ends.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir as makeSupportTempDir } from '../support/temp-dirs.js';

export { cliEnv, pybpBin, repoRoot, runPybp, runPybpJson, type CliOptions, type CliResult } from '../support/cli.js';

/** A fresh temp directory; the name has a space in it, so paths must be quoted everywhere. */
export function makeTempDir(prefix = 'pybp cli '): Promise<string> {
  return makeSupportTempDir(prefix);
}

/**
 * Everything under `dir` that a command could change: per entry its type,
 * mode, size, mtime and (files) content hash or (links) target. Two equal
 * snapshots mean nothing was created, deleted, written or touched.
 */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    const st = await lstat(abs);
    const common = `mode=${st.mode.toString(8)} mtime=${st.mtimeMs}`;
    if (st.isSymbolicLink()) {
      out[rel] = `link -> ${await readlink(abs)} ${common}`;
    } else if (st.isDirectory()) {
      out[rel + '/'] = `dir ${common}`;
      for (const name of (await readdir(abs)).sort()) await walk(path.join(abs, name), rel ? `${rel}/${name}` : name);
    } else {
      const hash = createHash('sha256').update(await readFile(abs)).digest('hex');
      out[rel] = `file size=${st.size} sha256=${hash} ${common}`;
    }
  };
  await walk(dir, '');
  return out;
}
