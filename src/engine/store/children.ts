// The orphan-children control file: `<layers>/.pybp/children` lists the tools
// a running build started (PID + start time + boot id), so that the next build
// can stop what a killed pybp (SIGKILL, a power cut of the terminal) left
// running before it rolls that build's layers back. Only groups verified to
// be the ones pybp started are ever signalled (io/process-identity.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { controlDir } from './control-dir.js';
import { entryKind, readControlFile, writeControlFile } from './control-file.js';
import { formatRecord, parseRecord, type ProcessRecord, signalOurGroup } from '../io/process-identity.js';

export function childrenFile(layersDir: string): string {
  return path.join(controlDir(layersDir), 'children');
}

// A simple serialised read-modify-write: builds run one at a time (the lock).
let pending: Promise<void> = Promise.resolve();

/** Adds (or, with add false, removes) a child's record. */
export async function recordChild(layersDir: string, record: ProcessRecord, add: boolean): Promise<void> {
  pending = pending
    .catch(() => {})
    .then(async () => {
      const file = childrenFile(layersDir);
      const records = new Map((await readChildren(layersDir)).map((r) => [r.pid, r]));
      if (add) records.set(record.pid, record);
      else records.delete(record.pid);
      if (records.size === 0) await fs.rm(file, { force: true });
      else await writeControlFile(file, [...records.values()].map(formatRecord).join('\n') + '\n');
    });
  return pending;
}

/** The recorded children; a line that is not a full record (a bare PID, an older format) is ignored. */
export async function readChildren(layersDir: string): Promise<ProcessRecord[]> {
  const read = await readControlFile(childrenFile(layersDir), 64 << 10);
  if (read.kind !== 'text') return [];
  return read.text.split('\n').map(parseRecord).filter((r): r is ProcessRecord => r !== null);
}

/**
 * Stops the tools a killed pybp left running, before their layers are rolled
 * back: only groups verified to be the ones it started (process-identity.ts).
 */
export async function stopOrphans(layersDir: string): Promise<number> {
  const records = await readChildren(layersDir);
  let stopped = 0;
  for (const r of records) if (signalOurGroup(r, 'SIGKILL')) stopped += 1;
  if ((await entryKind(childrenFile(layersDir))) === 'file') await fs.rm(childrenFile(layersDir), { force: true });
  if (stopped > 0) await new Promise((r) => setTimeout(r, 100));
  return stopped;
}

/** The runner's hooks that keep a build's children in the file while they run. */
export function childLedger(layersDir: string): { onStarted: (r: ProcessRecord) => Promise<void>; onEnded: (r: ProcessRecord) => Promise<void> } {
  return {
    onStarted: (r) => recordChild(layersDir, r, true),
    onEnded: (r) => recordChild(layersDir, r, false),
  };
}
