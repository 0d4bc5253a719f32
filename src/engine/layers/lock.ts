// One writer per layers directory. The lock file holds the holder's PID; a lock
// whose process is gone is stale and taken over.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { PybpError } from '../errors.js';
import { controlDir, lockPath } from './control-dir.js';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface LayersLock {
  release(): Promise<void>;
  /** True when a stale lock of a dead process was taken over. */
  tookOver: LockInfo | null;
}

export async function acquireLayersLock(layersDir: string, command: string): Promise<LayersLock> {
  await fs.mkdir(controlDir(layersDir), { recursive: true });
  const file = lockPath(layersDir);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), command, startedAt: new Date().toISOString() };
  let tookOver: LockInfo | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      return {
        tookOver,
        release: async () => {
          const held = await readLock(file);
          if (held?.pid === process.pid) await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(file);
    if (holder && holder.host === os.hostname() && isAlive(holder.pid) && holder.pid !== process.pid) {
      throw new PybpError({
        code: 'layers-locked',
        title: 'Another pybp build is using these layers',
        message: `The layers directory ${layersDir} is locked by process ${holder.pid} (${holder.command}, started ${holder.startedAt}).`,
        fix: `Wait for that build to finish, or stop it (kill ${holder.pid}). Two builds must not write the same layers at once.`,
      });
    }
    // Stale (dead process, unreadable, or our own leftover): take it over.
    tookOver = holder ?? { pid: 0, host: '', command: 'unknown', startedAt: '' };
    await fs.rm(file, { force: true });
  }
  throw new PybpError({
    code: 'layers-locked',
    title: 'The layers directory lock could not be taken',
    message: `${file} kept coming back while pybp tried to take over a stale lock.`,
    fix: 'Make sure no other pybp runs on these layers, delete the lock file, and build again.',
  });
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** For explain: is a build running right now? */
export async function currentLockHolder(layersDir: string): Promise<number | null> {
  const holder = await readLock(lockPath(layersDir));
  return holder && holder.host === os.hostname() && isAlive(holder.pid) ? holder.pid : null;
}
