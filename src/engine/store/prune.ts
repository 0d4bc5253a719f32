// `pybp cache prune`: first a plan (what would go, and why), shown to the user
// before anything is removed; then, once they said yes, each step carried out
// with its checks made again at that moment:
// - a layers directory goes only while it is still the one pybp made (token
//   and inode), holds nothing pybp did not make, and pybp holds its lock: a
//   directory a build is using is skipped, never removed from under it;
// - a record is forgotten only while nothing is at its path;
// - a cache entry goes only while it is a real directory of this user's in
//   pybp's cache, and only when no running build could be using it.
// Anything not pybp's is refused with a coded error and left as it was.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { type ErrorCode, isPybpError } from '../core/errors.js';
import { inert } from '../core/inert-text.js';
import { type CacheArea, type CacheItem, cacheAreaProblem, type Inventory, type LayersDirItem, layersDirState, pythonUses } from './inventory.js';
import { acquireLayersLock, type LayersLock } from './lock.js';
import { CONTROL_DIR_NAME } from './control-dir.js';
import { isControlEntryName, type OwnerRecord, readRecord, removeRecord } from './ownership.js';

export interface PruneCriteria {
  /** Layers directories last used longer ago than this (and cache entries not touched for as long). */
  olderThanMs: number | null;
  /** Layers directories whose app directory no longer exists. */
  missingApps: boolean;
  now: number;
}

/** A cache entry changed this recently may belong to a build or doctor running now: it is kept. */
export const CACHE_IN_USE_MS = 10 * 60_000;

export type PruneAction =
  | { kind: 'remove-layers-dir'; token: string; layersDir: string; app: string | null; why: string; bytes: number | null }
  | { kind: 'forget-record'; token: string; layersDir: string; why: string }
  | { kind: 'remove-cache-entry'; area: CacheArea; name: string; path: string; why: string; bytes: number; freesBytes: number };

/** Something the criteria picked that pybp will not remove (not its own), with the code saying why. */
export interface PruneRefusal {
  layersDir: string;
  app: string | null;
  code: ErrorCode;
  /** One line (a path in it stays one line on screen). */
  reason: string;
}

export interface PrunePlan {
  actions: PruneAction[];
  refused: PruneRefusal[];
  /** Why something that could have gone stays (a cache entry in use, say). */
  notes: string[];
}

function matches(item: LayersDirItem, c: PruneCriteria): { why: string } | null {
  if (!c.missingApps && c.olderThanMs === null) return null;
  const reasons: string[] = [];
  if (c.missingApps) {
    if (item.appExists !== false) return null;
    reasons.push(`its app ${item.app} no longer exists`);
  }
  if (c.olderThanMs !== null) {
    const age = c.now - Date.parse(item.lastUsedAt);
    if (!(age > c.olderThanMs)) return null;
    reasons.push(`${item.lastBuild ? 'last built' : 'made'} ${describeAge(age)} ago`);
  }
  return { why: reasons.join(', ') };
}

export function describeAge(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`;
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 1) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** What a prune with these criteria would do now. Changes nothing. */
export function planPrune(inv: Inventory, c: PruneCriteria): PrunePlan {
  const actions: PruneAction[] = [];
  const refused: PruneRefusal[] = [];
  const notes: string[] = [];
  const kept: LayersDirItem[] = [];
  for (const item of inv.layersDirs) {
    const hit = matches(item, c);
    switch (item.state.kind) {
      case 'gone':
        actions.push({ kind: 'forget-record', token: item.token, layersDir: item.layersDir, why: 'the layers directory is gone' });
        break;
      case 'owned':
        if (!hit) kept.push(item);
        else if (item.state.unknown.length > 0) {
          kept.push(item);
          refused.push({
            layersDir: item.layersDir,
            app: item.app,
            code: 'layers-dir-unknown-entry',
            reason: `${item.layersDir} is pybp's, but it holds what pybp did not make (${item.state.unknown.map(inert).join(', ')}): pybp removes none of it.`,
          });
        } else {
          actions.push({ kind: 'remove-layers-dir', token: item.token, layersDir: item.layersDir, app: item.app, why: hit.why, bytes: item.size?.bytes ?? null });
        }
        break;
      case 'not-owned':
      case 'unreadable':
        if (hit) {
          refused.push({
            layersDir: item.layersDir,
            app: item.app,
            code: 'layers-dir-not-owned',
            reason: `${item.layersDir} is not the directory pybp made (${item.state.why}): pybp never removes it.`,
          });
        }
        break;
    }
  }
  // Cache entries: what no layers directory that stays still came from, and no running work can be using.
  const unknownPython = kept.some((k) => k.pythonUnknown);
  for (const entry of inv.caches) {
    if (entry.keptBecause) continue;
    const users = kept.filter((k) => k.python && pythonUses(entry, k.python, inv.cacheDir));
    if (users.length > 0 || (entry.python && unknownPython)) continue;
    const idle = c.now - Date.parse(entry.modifiedAt);
    if (idle < CACHE_IN_USE_MS) {
      notes.push(`${entry.area}/${entry.name} changed ${describeAge(idle)} ago and may be in use now: kept.`);
      continue;
    }
    if (c.olderThanMs !== null && !(idle > c.olderThanMs)) continue;
    actions.push({
      kind: 'remove-cache-entry',
      area: entry.area,
      name: entry.name,
      path: entry.path,
      why: cacheWhy(entry),
      bytes: entry.size.bytes,
      freesBytes: Math.max(0, entry.size.bytes - (entry.size.sharedBytes ?? 0)),
    });
  }
  return { actions, refused, notes };
}

function cacheWhy(entry: CacheItem): string {
  switch (entry.area) {
    case 'tools':
      return 'a tool version this pybp does not run';
    case 'interpreters':
      return (entry.size.sharedBytes ?? 0) > 0
        ? 'no layers directory pybp keeps was made from it (python layers still linked to its files keep them)'
        : 'no layers directory pybp keeps was made from it';
    case 'uv-python':
      return entry.name === 'cache' ? "uv's download cache, filled again when needed" : 'no layers directory pybp keeps was made from it';
    default:
      return 'made again when needed';
  }
}

export type PruneOutcome = 'done' | 'skipped' | 'refused' | 'failed';

export interface PruneResult {
  action: PruneAction;
  outcome: PruneOutcome;
  code?: ErrorCode | 'io-error';
  /** Why it was not done: one line. */
  reason?: string;
}

/**
 * Carries the plan out, each step checked again as it is made. `keptLayersDirs`:
 * the owned directories that stay, whose locks tell whether a build runs now
 * (then no cache entry is touched).
 */
export async function executePrune(plan: PrunePlan, inv: Inventory, onResult: (r: PruneResult) => void = () => {}): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  const report = (r: PruneResult) => {
    results.push(r);
    onResult(r);
  };
  for (const action of plan.actions) {
    if (action.kind === 'remove-layers-dir') report(await removeLayersDir(inv.registry, action));
    else if (action.kind === 'forget-record') report(await forgetRecord(inv.registry, action));
  }
  const cacheActions = plan.actions.filter((a) => a.kind === 'remove-cache-entry');
  if (cacheActions.length === 0) return results;
  const removing = new Set(plan.actions.flatMap((a) => (a.kind === 'remove-layers-dir' ? [a.token] : [])));
  const busy = await runningBuild(inv.layersDirs.filter((d) => d.state.kind === 'owned' && !removing.has(d.token)));
  for (const action of cacheActions) {
    if (busy) report({ action, outcome: 'skipped', code: 'layers-locked', reason: `a pybp build is running in ${busy}: pybp's caches are left alone until it ends` });
    else report(await removeCacheEntry(action, inv.cacheDir));
  }
  return results;
}

async function removeLayersDir(registry: string, action: Extract<PruneAction, { kind: 'remove-layers-dir' }>): Promise<PruneResult> {
  const record = await readRecord(registry, action.token);
  if (!record) return { action, outcome: 'skipped', reason: 'pybp\'s record of it is gone (another prune?)' };
  let lock: LayersLock;
  try {
    lock = await acquireLayersLock(record.path, 'pybp cache prune');
  } catch (err) {
    if (isPybpError(err) && err.code === 'layers-locked') return { action, outcome: 'skipped', code: 'layers-locked', reason: `in use by a running build: ${inert(err.message)}` };
    return { action, outcome: 'failed', code: 'io-error', reason: inert((err as Error).message) };
  }
  let released = false;
  try {
    // Under the lock: still the directory pybp made, holding only what pybp made.
    const state = await layersDirState(registry, record);
    if (state.kind !== 'owned') return { action, outcome: 'refused', code: 'layers-dir-not-owned', reason: `no longer pybp's own directory: ${'why' in state ? state.why : 'it is gone'}` };
    if (state.unknown.length > 0) return { action, outcome: 'refused', code: 'layers-dir-unknown-entry', reason: `it now holds what pybp did not make: ${state.unknown.map(inert).join(', ')}` };
    const control = path.join(record.path, CONTROL_DIR_NAME);
    const foreign = (await fs.readdir(control)).filter((n) => !isControlEntryName(n));
    if (foreign.length > 0) return { action, outcome: 'refused', code: 'layers-dir-unknown-entry', reason: `its ${CONTROL_DIR_NAME}/ holds what pybp did not make: ${foreign.map(inert).join(', ')}` };
    await removeOwnedContents(record);
    released = true; // the lock went with the control directory
    // A build may claim the now empty directory this very moment: then it is that build's.
    await fs.rmdir(record.path).catch(() => undefined);
    await removeRecord(registry, record.token);
    return { action, outcome: 'done' };
  } catch (err) {
    return { action, outcome: 'failed', code: 'io-error', reason: inert((err as Error).message) };
  } finally {
    if (!released) await lock.release().catch(() => undefined);
  }
}

/** The layers and their tomls first, the control directory (token and lock) last: a kill midway leaves a directory still pybp's, with its record. */
async function removeOwnedContents(record: OwnerRecord): Promise<void> {
  for (const name of (await fs.readdir(record.path)).sort()) {
    if (name === CONTROL_DIR_NAME) continue;
    await removeTree(path.join(record.path, name));
  }
  await removeTree(path.join(record.path, CONTROL_DIR_NAME));
}

async function forgetRecord(registry: string, action: Extract<PruneAction, { kind: 'forget-record' }>): Promise<PruneResult> {
  const record = await readRecord(registry, action.token);
  if (!record) return { action, outcome: 'skipped', reason: 'already forgotten' };
  const state = await layersDirState(registry, record);
  if (state.kind !== 'gone') return { action, outcome: 'skipped', reason: 'something is at its path again' };
  await removeRecord(registry, action.token);
  return { action, outcome: 'done' };
}

/** The first of these directories a running build holds the lock of, or null. */
async function runningBuild(dirs: LayersDirItem[]): Promise<string | null> {
  for (const d of dirs) {
    try {
      const lock = await acquireLayersLock(d.layersDir, 'pybp cache prune (check)');
      await lock.release();
    } catch (err) {
      if (isPybpError(err) && err.code === 'layers-locked') return d.layersDir;
      // A directory pybp cannot lock now (gone in the meantime): no build of it runs.
    }
  }
  return null;
}

async function removeCacheEntry(action: Extract<PruneAction, { kind: 'remove-cache-entry' }>, cacheDir: string): Promise<PruneResult> {
  // The directory holding it, checked again now: still pybp's own, not linked out of the cache.
  const holder = path.relative(cacheDir, path.dirname(action.path));
  const problem = holder.startsWith('..') || path.isAbsolute(holder) ? { code: 'cache-entry-not-owned', message: 'it is outside pybp\'s cache' } : cacheAreaProblem(cacheDir, holder);
  if (problem) return { action, outcome: 'refused', code: 'cache-entry-not-owned', reason: `${inert(action.path)} is not in a directory pybp can trust: ${inert(problem.message)}` };
  let st;
  try {
    st = await fs.lstat(action.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { action, outcome: 'skipped', reason: 'already gone' };
    return { action, outcome: 'failed', code: 'io-error', reason: inert((err as Error).message) };
  }
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    return {
      action,
      outcome: 'refused',
      code: 'cache-entry-not-owned',
      reason: `${inert(action.path)} is ${st.isDirectory() ? `a directory of another user (uid ${st.uid})` : 'not a directory (a symlink or a file)'}, not what pybp keeps there: left as it is`,
    };
  }
  try {
    await removeTree(action.path);
    return { action, outcome: 'done' };
  } catch (err) {
    return { action, outcome: 'failed', code: 'io-error', reason: inert((err as Error).message) };
  }
}

/**
 * rm -rf of a tree pybp made, never following a symlink (fs.rm unlinks links).
 * A directory pybp left without write permission (a tool's read-only tree) is
 * given it back first.
 */
async function removeTree(p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await makeWritable(p);
    await fs.rm(p, { recursive: true, force: true });
  }
}

async function makeWritable(root: string): Promise<void> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const st = await fs.lstat(dir).catch(() => null);
    if (!st?.isDirectory()) continue;
    await fs.chmod(dir, (st.mode & 0o7777) | constants.S_IRWXU).catch(() => undefined);
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) stack.push(path.join(dir, e.name));
  }
}

/** `--older-than`: a whole number and a unit, `30d`, `2w`, `12h`, `90m`; null when it is not one. */
export function parseAge(text: string): number | null {
  const m = /^(\d{1,6})([wdhm])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'w' | 'd' | 'h' | 'm'];
}
