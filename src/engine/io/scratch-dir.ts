// pybp's scratch directories (`pybp-since-*`, `pybp-doctor-*`, `pybp-explain-*`,
// `pybp-uv-*`): made in the machine's temp directory, private, and removed on
// every exit path. The caller removes one when done (`removeScratchDir`, in a
// finally); whatever is still registered when pybp exits (explain and doctor
// exit at once when stopped; process.exit skips every finally) is removed by
// the 'exit' hook. Only directories this process made are ever removed.
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const dir of made) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // nothing more can be done while exiting
      }
    }
  });
}

/** A new empty directory `<tmp>/<prefix>XXXXXX` (mode 0700: tools may keep credentials there), removed by exit at the latest. */
export async function makeScratchDir(prefix: string, root: string = os.tmpdir()): Promise<string> {
  hookExit();
  const dir = await mkdtemp(path.join(root, prefix));
  made.add(dir);
  await chmod(dir, 0o700);
  return dir;
}

/** Removes a directory made by makeScratchDir; never throws. */
export async function removeScratchDir(dir: string): Promise<void> {
  if (!made.has(dir)) return;
  // Retries cover a tool that was still closing its files when it was stopped.
  await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => undefined);
  made.delete(dir);
}
