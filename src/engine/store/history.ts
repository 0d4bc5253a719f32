// pybp's build history: the reports of the last HISTORY_LIMIT builds
// (succeeded, failed, interrupted), kept with the layers in
// `<layers>/.pybp/history.json`. pybp's own file, never in `<layer>.toml`, so
// it cannot change a decision. Written atomically (temp file + rename) by the
// build that holds the layers lock; a file that can't be read is reported and
// replaced by a fresh history, never a reason to fail a build.
import { promises as fs } from 'node:fs';
import type { BuildEnvChoice } from '../project/build-env.js';
import { historyPath } from './control-dir.js';
import { writeFileAtomic } from './write-atomic.js';
import type { LayerAction, Reason } from '../layers/types.js';
import type { LayerOutcome } from '../core/layer-outcome.js';

export const HISTORY_LIMIT = 50;
/** 50 builds of a few layers each are a few tens of KB; anything far larger is not pybp's file. */
export const HISTORY_MAX_BYTES = 4 * 1024 * 1024;

export type BuildStatus = 'succeeded' | 'failed' | 'interrupted';

export interface HistoryLayer {
  name: string;
  action: LayerAction;
  reasons: Reason[];
  /** Kept (done), or undone with the failed build (rolled-back), or never started (not-reached). */
  outcome: LayerOutcome;
  /** Time spent on the layer in this build; null when the build never finished it. */
  durationMs: number | null;
  sizeBytes: number | null;
  /**
   * What the layer was made from (its metadata, or for an uncached layer the
   * package manager, Python and target): the key for "comparable inputs" when
   * estimating what making it again costs.
   */
  inputs: Record<string, string> | null;
}

export interface HistoryBuild {
  /** 1, 2, 3…: one more than the newest build in the history. */
  id: number;
  startedAt: string;
  status: BuildStatus;
  durationMs: number;
  python: { requested: string; resolved: string; origin: string; interpreter: string | null } | null;
  packageManager: string | null;
  target: { arch: string; distro_name: string; distro_version: string } | null;
  /** The environment the build ran its tools in; absent in entries written before pybp recorded it, null when the build stopped before reading its config. */
  environment?: BuildEnvChoice | null;
  /** The error code of a failed or interrupted build. */
  error: { code: string; title: string } | null;
  layers: HistoryLayer[];
}

export interface History {
  version: 1;
  builds: HistoryBuild[];
}

export type HistoryRead = { ok: true; history: History } | { ok: false; problem: string; history: History };

const empty = (): History => ({ version: 1, builds: [] });

/**
 * The history of a layers directory pybp may trust (it made it here); any
 * other directory's `history.json` is not pybp's record and is not read.
 */
export async function readOwnHistory(layersDir: string, trusted: boolean): Promise<HistoryRead> {
  return trusted ? readHistory(layersDir) : { ok: true, history: empty() };
}

/** Reads the history; a missing file is an empty history, an unreadable one is reported with an empty history. */
export async function readHistory(layersDir: string): Promise<HistoryRead> {
  const file = historyPath(layersDir);
  let text: string;
  try {
    // lstat, not stat: a symlink planted in the control dir is not pybp's file.
    const st = await fs.lstat(file);
    if (!st.isFile()) return { ok: false, problem: 'it is not a regular file', history: empty() };
    if (st.size > HISTORY_MAX_BYTES) return { ok: false, problem: `it is ${st.size} bytes, more than pybp ever writes`, history: empty() };
    text = await readBounded(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: true, history: empty() };
    return { ok: false, problem: (err as Error).message, history: empty() };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})`, history: empty() };
  }
  const checked = checkHistory(parsed);
  return typeof checked === 'string' ? { ok: false, problem: checked, history: empty() } : { ok: true, history: checked };
}

/** Reads at most HISTORY_MAX_BYTES, even if the file grew after lstat. */
async function readBounded(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    // Sized from the file (a zero-filled 4 MB buffer per build would cost more than the rest of the append).
    const size = (await handle.stat()).size;
    let buf = Buffer.allocUnsafe(Math.min(size, HISTORY_MAX_BYTES) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (buf.length > HISTORY_MAX_BYTES) throw new Error(`it grew past ${HISTORY_MAX_BYTES} bytes while being read`);
        buf = Buffer.concat([buf, Buffer.allocUnsafe(Math.min(buf.length, HISTORY_MAX_BYTES + 1 - buf.length))]);
      }
      const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > HISTORY_MAX_BYTES) throw new Error(`it grew past ${HISTORY_MAX_BYTES} bytes while being read`);
    return buf.subarray(0, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Only what pybp could have written is used; renderers and estimates read the fields without further checks. */
function checkHistory(value: unknown): History | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const h = value as Record<string, unknown>;
  if (h.version !== 1) return `unknown version ${JSON.stringify(h.version)}`;
  if (!Array.isArray(h.builds)) return 'its builds are not a list';
  for (const b of h.builds as unknown[]) {
    const build = b as Record<string, unknown> | null;
    if (typeof build !== 'object' || build === null) return 'a build is not an object';
    if (!Number.isInteger(build.id) || typeof build.startedAt !== 'string' || typeof build.durationMs !== 'number') {
      return 'a build has no id, start time or duration';
    }
    if (!['succeeded', 'failed', 'interrupted'].includes(build.status as string)) return `build ${build.id} has an unknown status`;
    if (!Array.isArray(build.layers)) return `build ${build.id} has no list of layers`;
    if (build.environment !== undefined && build.environment !== null && !isBuildEnvChoice(build.environment)) return `build ${build.id} has an unknown environment`;
    for (const l of build.layers as unknown[]) {
      const layer = l as Record<string, unknown> | null;
      if (typeof layer !== 'object' || layer === null || typeof layer.name !== 'string' || typeof layer.action !== 'string' || !Array.isArray(layer.reasons)) {
        return `build ${build.id} has a malformed layer`;
      }
      if (!['done', 'rolled-back', 'not-reached'].includes(layer.outcome as string)) return `build ${build.id} has a layer without an outcome`;
    }
  }
  return value as History;
}

/**
 * Appends one build and keeps the newest HISTORY_LIMIT. Call while holding the
 * layers lock (two writers would lose an entry, never corrupt the file).
 * Returns the problem with the old file when it had to start fresh.
 */
export async function appendHistory(layersDir: string, build: Omit<HistoryBuild, 'id'>): Promise<{ id: number; startedFresh: string | null }> {
  const read = await readHistory(layersDir);
  const builds = read.history.builds;
  const id = builds.reduce((max, b) => Math.max(max, b.id), 0) + 1;
  const next: History = { version: 1, builds: [...builds, { id, ...build }].slice(-HISTORY_LIMIT) };
  await writeFileAtomic(historyPath(layersDir), JSON.stringify(next) + '\n');
  return { id, startedFresh: read.ok ? null : read.problem };
}

/** A build by id, or the newest one. */
export function findBuild(history: History, id?: number): HistoryBuild | null {
  if (id === undefined) return history.builds.at(-1) ?? null;
  return history.builds.find((b) => b.id === id) ?? null;
}

function isBuildEnvChoice(value: unknown): value is BuildEnvChoice {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' && v !== null &&
    (v.kind === 'heroku-clean' || v.kind === 'host-config') &&
    (v.origin === 'default' || v.origin === 'config' || v.origin === 'flag')
  );
}
