// One writer per layers directory. The lock file holds the holder's identity:
// PID + start time + boot id (io/process-identity.ts). A lock whose process is
// gone is stale and taken over, and so is one whose PID now belongs to another
// process (reused, or planted: a PID alone names whoever holds that number now),
// so a lock naming a live unrelated process never blocks builds forever, and
// the `kill <pid>` pybp suggests only ever names the pybp that took the lock.
// Where /proc does not exist (macOS) a live PID is all there is to go on.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { controlDir, lockPath } from './control-dir.js';
import { readControlFile } from './control-file.js';
import { identifyProcess, isSameProcess } from '../io/process-identity.js';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** The holder's start time (clock ticks after boot) and boot id; absent where /proc does not exist. */
  start?: number;
  bootId?: string;
}

export interface LayersLock {
  release(): Promise<void>;
}

export async function acquireLayersLock(layersDir: string, command: string): Promise<LayersLock> {
  await fs.mkdir(controlDir(layersDir), { recursive: true });
  const file = lockPath(layersDir);
  const self = identifyProcess(process.pid);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), command, startedAt: new Date().toISOString(), ...(self ? { start: self.start, bootId: self.bootId } : {}) };
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
    if (holder && holder.host === os.hostname() && holderRuns(holder) && holder.pid !== process.pid) {
      throw new PybpError({
        code: 'layers-locked',
        title: 'Another pybp build is using these layers',
        message: `The layers directory ${layersDir} is locked by process ${holder.pid} (${holder.command}, started ${holder.startedAt}).`,
        fix:
          holder.start !== undefined
            ? `Wait for that build to finish, or stop it (kill ${holder.pid}: that is the pybp process that took the lock, checked by its start time). Two builds must not write the same layers at once.`
            : `Wait for that build to finish, or stop it (kill ${holder.pid}, once you have checked that process ${holder.pid} is that pybp build). Two builds must not write the same layers at once.`,
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
    if (guardRaw !== null && (!owner || !holderRuns(owner))) await fs.rm(guard, { force: true });
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

/**
 * Whether the lock's holder still runs: the same process (PID and start time)
 * where /proc can tell. A lock without an identity on such a system was not
 * written by a running pybp of this version: stale.
 */
function holderRuns(holder: LockInfo): boolean {
  if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0) return false;
  if (typeof holder.start === 'number' && typeof holder.bootId === 'string') {
    const same = isSameProcess({ pid: holder.pid, start: holder.start, bootId: holder.bootId });
    if (same !== null) return same;
    return isAlive(holder.pid);
  }
  // No identity recorded: only where nothing better exists (no /proc) does a live PID count.
  return identifyProcess(process.pid) === null && isAlive(holder.pid);
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
