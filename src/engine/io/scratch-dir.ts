// pybp's scratch directories (`pybp-since-*`, `pybp-doctor-*`, `pybp-explain-*`,
// `pybp-uv-*`): made in the machine's temp directory, private, and removed on
// every exit path. The caller removes one when done (withScratchDir does, or
// `removeScratchDir` in a finally); whatever is still registered when pybp
// exits (explain and doctor exit at once when stopped; process.exit skips
// every finally) is removed by the 'exit' listener. Only directories this
// process made are ever removed.
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const live = new Set<string>();
let listening = false;

function removeLive(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done while exiting
    }
  }
  live.clear();
}

/** A new empty directory `<tmp>/<prefix>XXXXXX` (mode 0700: tools may keep credentials there), removed by exit at the latest. */
export async function makeScratchDir(prefix: string, root: string = os.tmpdir()): Promise<string> {
  if (!listening) {
    listening = true;
    process.once('exit', removeLive);
  }
  const dir = await mkdtemp(path.join(root, prefix));
  live.add(dir);
  await chmod(dir, 0o700);
  return dir;
}

/** Removes a directory made by makeScratchDir; never throws. */
export async function removeScratchDir(dir: string): Promise<void> {
  if (!live.has(dir)) return;
  // Retries cover a tool that was still closing its files when it was stopped.
  await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => undefined);
  live.delete(dir);
}

/** Runs `work` in a new `pybp-<prefix>-XXXXXX` directory, removed when the work settles (or pybp exits first). */
export async function withScratchDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeScratchDir(`pybp-${prefix}-`);
  try {
    return await work(dir);
  } finally {
    await removeScratchDir(dir);
  }
}
