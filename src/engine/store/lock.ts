// One writer per layers directory. The lock file holds the holder's PID; a lock
// whose process is gone is stale and taken over.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { controlDir, lockPath } from './control-dir.js';
import { readControlFile } from './control-file.js';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface LayersLock {
  release(): Promise<void>;
}

export async function acquireLayersLock(layersDir: string, command: string): Promise<LayersLock> {
  await fs.mkdir(controlDir(layersDir), { recursive: true });
  const file = lockPath(layersDir);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), command, startedAt: new Date().toISOString() };
  const content = JSON.stringify(info);
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await createExclusive(file, content)) {
      return {
        release: async () => {
          if ((await readRaw(file)) === content) await fs.rm(file, { force: true });
        },
      };
    }
    const raw = await readRaw(file);
    if (raw === null) continue; // released in the meantime
    const holder = parseLock(raw);
    if (holder && holder.host === os.hostname() && isAlive(holder.pid) && holder.pid !== process.pid) {
      throw new PybpError({
        code: 'layers-locked',
        title: 'Another pybp build is using these layers',
        message: `The layers directory ${layersDir} is locked by process ${holder.pid} (${holder.command}, started ${holder.startedAt}).`,
        fix: `Wait for that build to finish, or stop it (kill ${holder.pid}). Two builds must not write the same layers at once.`,
      });
    }
    // Stale (dead process, unreadable, or our own leftover): take it over.
    if (!(await removeStale(file, raw, content))) await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
  throw new PybpError({
    code: 'layers-locked',
    title: 'The layers directory lock could not be taken',
    message: `${file} kept coming back while pybp tried to take over a stale lock.`,
    fix: 'Make sure no other pybp runs on these layers, delete the lock file, and build again.',
  });
}

/**
 * Creates `file` with its whole content at once (a hard link of a complete
 * temporary file), or returns false if it exists. With a plain create-then-write,
 * another process could read the still-empty file, take it for a stale lock
 * and remove it: two writers.
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  // Named like the temp files recovery clears, should a kill leave one behind.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fs.writeFile(tmp, content);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    // A filesystem without hard links: an exclusive create is the best there is.
    try {
      await fs.writeFile(file, content, { flag: 'wx' });
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Removes the stale lock `raw`, if it is still there. One process at a time
 * does this (the `.takeover` guard), and only while the file still holds the
 * same stale content: two processes that both saw the stale lock must not have
 * the second one remove the first one's fresh lock.
 */
async function removeStale(file: string, raw: string, content: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await createExclusive(guard, content))) {
    // Another process is taking over. A guard whose process died (mid-takeover) is cleared.
    const guardRaw = await readRaw(guard);
    const owner = guardRaw === null ? null : parseLock(guardRaw);
    if (guardRaw !== null && (!owner || !isAlive(owner.pid))) await fs.rm(guard, { force: true });
    return false;
  }
  try {
    if ((await readRaw(file)) !== raw) return false;
    await fs.rm(file, { force: true });
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

async function readRaw(file: string): Promise<string | null> {
  // Never through a symlink, and bounded; anything else reads as unparseable (stale).
  const read = await readControlFile(file, 64 << 10);
  return read.kind === 'absent' ? null : read.kind === 'text' ? read.text : '';
}

function parseLock(raw: string): LockInfo | null {
  try {
    const parsed = JSON.parse(raw) as LockInfo;
    return parsed && typeof parsed.pid === 'number' ? parsed : null;
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
