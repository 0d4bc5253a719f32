// Per-machine caches for the tests (`.test-cache/` in the repo, gitignored).
// An entry is complete only once its marker file exists, and the marker is
// written last; entries are built under a lock, so two test runs at once (or
// two vitest workers) build an entry once and never see it half-made.
import { mkdirSync, realpathSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * `.test-cache/`, by its real path: checkouts may share one cache through a
 * symlink, and an entry that records its own path (the Poetry venv's shebangs)
 * must record the same one for all of them, or each would rebuild it in turn
 * under the others' feet.
 */
export const testCacheDir = realCacheDir(join(repoRoot, '.test-cache'));

function realCacheDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return realpathSync(dir);
}

const MARKER = '.complete.json';
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * Returns `dir`, building it first with `build` unless it already holds a
 * complete entry made from the same `spec` (any JSON value describing the inputs;
 * a different spec rebuilds the entry from scratch).
 */
export async function ensureCacheEntry(dir: string, spec: unknown, build: (dir: string) => Promise<void>): Promise<string> {
  const wanted = JSON.stringify(spec);
  if ((await readMarker(dir)) === wanted) return dir;
  await mkdir(dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`);
  try {
    if ((await readMarker(dir)) === wanted) return dir;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await build(dir);
    await writeFile(join(dir, MARKER), wanted);
    return dir;
  } finally {
    await release();
  }
}

async function readMarker(dir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, MARKER), 'utf8');
  } catch {
    return undefined;
  }
}

// A lock is a directory (mkdir is atomic) holding the owner's host and pid, so a
// lock left by a killed run is recognised as stale and taken over.
async function acquireLock(lockDir: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'owner'), JSON.stringify({ host: hostname(), pid: process.pid }));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStale(lockDir)) {
      // Renaming first means only one waiter removes a given stale lock.
      const aside = `${lockDir}.stale-${process.pid}-${Date.now()}`;
      try {
        await rename(lockDir, aside);
        await rm(aside, { recursive: true, force: true });
      } catch {
        // Someone else took it over first: go round again.
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}; remove it if no test run is using it`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function isStale(lockDir: string): Promise<boolean> {
  let owner: { host?: string; pid?: number };
  try {
    owner = JSON.parse(await readFile(join(lockDir, 'owner'), 'utf8'));
  } catch {
    // The owner file is written right after mkdir: give a fresh lock a moment.
    try {
      const { mtimeMs } = await stat(lockDir);
      return Date.now() - mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
