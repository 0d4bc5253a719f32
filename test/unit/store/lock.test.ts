// One writer per layers directory: a live holder in another process blocks,
// a dead one's lock is taken over.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockPath } from '../../../src/engine/store/control-dir.js';
import { acquireLayersLock } from '../../../src/engine/store/lock.js';
import { PybpError } from '../../../src/engine/core/errors.js';
import { identifyProcess } from '../../../src/engine/io/process-identity.js';
import { spawnChild } from '../../support/children.js';
import { useSandboxes } from '../layers/previous-build.js';

const sandbox = useSandboxes();
/** A process of this user that stays alive until the test ends (spawnChild kills it then). */
function liveProcess(): number {
  return spawnChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }).pid;
}

/** The PID of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawnChild(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await child.exited;
  return child.pid;
}

/**
 * A lock as a pybp holding it writes one: its PID with its identity (start time, boot id).
 * `identity: 'none'` leaves the identity out; a number replaces the start time.
 */
async function writeLock(layers: string, pid: number, opts: { host?: string; identity?: 'own' | 'none' | number } = {}): Promise<void> {
  await mkdir(path.dirname(lockPath(layers)), { recursive: true });
  const record = identifyProcess(pid);
  const identity =
    opts.identity === 'none' || record === null
      ? {}
      : { start: typeof opts.identity === 'number' ? opts.identity : record.start, bootId: record.bootId };
  await writeFile(lockPath(layers), JSON.stringify({ pid, host: opts.host ?? os.hostname(), command: 'pybp build', startedAt: '2026-01-01T00:00:00.000Z', ...identity }));
}

/** The PID the lock file names, or null without a lock file. */
async function lockFilePid(layers: string): Promise<number | null> {
  const text = await readFile(lockPath(layers), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as { pid: number }).pid;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('acquireLayersLock', () => {
  it('writes a lock naming this process, and release removes it', async () => {
    const box = await sandbox();
    const lock = await acquireLayersLock(box.layers, 'pybp build');
    const info = JSON.parse(await readFile(lockPath(box.layers), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'pybp build' });
    expect(await lockFilePid(box.layers)).toBe(process.pid);
    await lock.release();
    expect(await exists(lockPath(box.layers))).toBe(false);
  });

  it('a second acquire while another live process holds the lock fails with layers-locked naming its PID', async () => {
    const box = await sandbox();
    const pid = liveProcess();
    await writeLock(box.layers, pid);
    let caught: unknown;
    try {
      await acquireLayersLock(box.layers, 'pybp build');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PybpError);
    const error = caught as PybpError;
    expect(error.code).toBe('layers-locked');
    expect(error.message).toContain(`process ${pid}`);
    expect(error.fix).toContain(`kill ${pid}`);
    // The holder's lock is left alone.
    expect(JSON.parse(await readFile(lockPath(box.layers), 'utf8')).pid).toBe(pid);
  });

  it.each([
    ['with no identity (a bare PID, as a planted or hand-written lock has)', 'none' as const],
    ['whose start time is not the recorded one (the PID was reused)', -1],
  ])('a lock naming a live process that is not its holder, %s, is stale and taken over', async (_label, identity) => {
    const box = await sandbox();
    const pid = liveProcess();
    const record = identifyProcess(pid);
    expect(record).not.toBeNull();
    await writeLock(box.layers, pid, { identity: identity === -1 ? record!.start + 1 : identity });
    const lock = await acquireLayersLock(box.layers, 'pybp build');
    expect(await lockFilePid(box.layers)).toBe(process.pid);
    await lock.release();
    expect(await exists(lockPath(box.layers))).toBe(false);
  });

  it('a lock whose process has exited is taken over', async () => {
    const box = await sandbox();
    const pid = await deadPid();
    await writeLock(box.layers, pid);
    const lock = await acquireLayersLock(box.layers, 'pybp build');
    expect(JSON.parse(await readFile(lockPath(box.layers), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await exists(lockPath(box.layers))).toBe(false);
  });

  it('a lock this same process left behind is taken over (one pybp process runs one build)', async () => {
    const box = await sandbox();
    await acquireLayersLock(box.layers, 'pybp build');
    const again = await acquireLayersLock(box.layers, 'pybp build');
    expect(await lockFilePid(box.layers)).toBe(process.pid);
    await again.release();
    expect(await exists(lockPath(box.layers))).toBe(false);
  });

  it('an unreadable lock file is taken over', async () => {
    const box = await sandbox();
    await mkdir(path.dirname(lockPath(box.layers)), { recursive: true });
    await writeFile(lockPath(box.layers), 'not json');
    const lock = await acquireLayersLock(box.layers, 'pybp build');
    expect(await lockFilePid(box.layers)).toBe(process.pid);
    await lock.release();
  });

  it('release does not remove a lock that another process holds by then', async () => {
    const box = await sandbox();
    const lock = await acquireLayersLock(box.layers, 'pybp build');
    const other = liveProcess();
    await writeLock(box.layers, other);
    await lock.release();
    expect(JSON.parse(await readFile(lockPath(box.layers), 'utf8')).pid).toBe(other);
  });
});
