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

// The file is pybp's, but a copy or a hand edit can put anything in it (a
// `null` reason, an action pybp never takes, a duration of "abc"), and the
// renderers and estimates read every field without further checks. So each
// field is checked for what pybp writes, and the history is rebuilt from the
// checked fields only: one field that is not pybp's and the whole file counts
// as unreadable (reported, and replaced by the next build), never a TypeError
// or an "undefined" / "NaN" on screen.

const ACTIONS: ReadonlySet<string> = new Set<LayerAction>(['reuse', 'create', 'discard', 'rebuild-always', 'drop']);
const OUTCOMES: ReadonlySet<string> = new Set<LayerOutcome>(['done', 'rolled-back', 'not-reached']);
const STATUSES: ReadonlySet<string> = new Set<BuildStatus>(['succeeded', 'failed', 'interrupted']);
/** Long enough for any path or message pybp records; a far longer string is not pybp's. */
const MAX_TEXT = 16 * 1024;

class NotPybps extends Error {}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NotPybps(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw new NotPybps(`${what} is not a string`);
  return value;
}

function textOrNull(value: unknown, what: string): string | null {
  return value === null ? null : text(value, what);
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new NotPybps(`${what} is not a number of 0 or more`);
  return value;
}

function countOrNull(value: unknown, what: string): number | null {
  return value === null ? null : count(value, what);
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new NotPybps(`${what} is not a list`);
  return value;
}

function checkReason(value: unknown, what: string): Reason {
  const r = record(value, what);
  const reason: Reason = { field: text(r.field, `${what}'s field`), from: textOrNull(r.from ?? null, `${what}'s old value`), to: textOrNull(r.to ?? null, `${what}'s new value`), message: text(r.message, `${what}'s message`) };
  if (r.pybpOnly !== undefined) {
    if (typeof r.pybpOnly !== 'boolean') throw new NotPybps(`${what} has a pybpOnly that is not true or false`);
    reason.pybpOnly = r.pybpOnly;
  }
  return reason;
}

function checkLayer(value: unknown, what: string): HistoryLayer {
  const l = record(value, what);
  const name = text(l.name, `${what}'s name`);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new NotPybps(`${what} has a name pybp never gives a layer`);
  if (!ACTIONS.has(l.action as string)) throw new NotPybps(`layer ${name} has an action pybp never takes`);
  if (!OUTCOMES.has(l.outcome as string)) throw new NotPybps(`layer ${name} has no known outcome`);
  let inputs: Record<string, string> | null = null;
  if (l.inputs !== null && l.inputs !== undefined) {
    const raw = record(l.inputs, `layer ${name}'s inputs`);
    inputs = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(raw)) inputs[k] = text(v, `layer ${name}'s input ${JSON.stringify(k)}`);
  }
  return {
    name,
    action: l.action as LayerAction,
    reasons: list(l.reasons, `layer ${name}'s reasons`).map((r, i) => checkReason(r, `layer ${name}'s reason ${i + 1}`)),
    outcome: l.outcome as LayerOutcome,
    durationMs: countOrNull(l.durationMs ?? null, `layer ${name}'s duration`),
    sizeBytes: countOrNull(l.sizeBytes ?? null, `layer ${name}'s size`),
    inputs,
  };
}

function checkBuild(value: unknown, index: number): HistoryBuild {
  const b = record(value, `build ${index + 1} in the list`);
  if (typeof b.id !== 'number' || !Number.isSafeInteger(b.id) || b.id < 1) throw new NotPybps(`build ${index + 1} in the list has no id`);
  const what = `build ${b.id}`;
  const startedAt = text(b.startedAt, `${what}'s start time`);
  if (Number.isNaN(Date.parse(startedAt))) throw new NotPybps(`${what}'s start time is not a time`);
  if (!STATUSES.has(b.status as string)) throw new NotPybps(`${what} has an unknown status`);
  let python: HistoryBuild['python'] = null;
  if (b.python !== null && b.python !== undefined) {
    const p = record(b.python, `${what}'s Python`);
    python = {
      requested: text(p.requested, `${what}'s requested Python`),
      resolved: text(p.resolved, `${what}'s resolved Python`),
      origin: text(p.origin, `${what}'s Python origin`),
      interpreter: textOrNull(p.interpreter ?? null, `${what}'s interpreter`),
    };
  }
  let target: HistoryBuild['target'] = null;
  if (b.target !== null && b.target !== undefined) {
    const t = record(b.target, `${what}'s target`);
    target = { arch: text(t.arch, `${what}'s target`), distro_name: text(t.distro_name, `${what}'s target`), distro_version: text(t.distro_version, `${what}'s target`) };
  }
  let error: HistoryBuild['error'] = null;
  if (b.error !== null && b.error !== undefined) {
    const e = record(b.error, `${what}'s error`);
    error = { code: text(e.code, `${what}'s error code`), title: text(e.title, `${what}'s error title`) };
  }
  if (b.environment !== undefined && b.environment !== null && !isBuildEnvChoice(b.environment)) throw new NotPybps(`${what} has an unknown environment`);
  const build: HistoryBuild = {
    id: b.id,
    startedAt,
    status: b.status as BuildStatus,
    durationMs: count(b.durationMs, `${what}'s duration`),
    python,
    packageManager: textOrNull(b.packageManager ?? null, `${what}'s package manager`),
    target,
    error,
    layers: list(b.layers, `${what}'s layers`).map((l, i) => checkLayer(l, `${what}'s layer ${i + 1}`)),
  };
  if (b.environment !== undefined) build.environment = b.environment === null ? null : { kind: (b.environment as BuildEnvChoice).kind, origin: (b.environment as BuildEnvChoice).origin };
  return build;
}

/** Only what pybp could have written is used, field by field; renderers and estimates read the fields without further checks. */
function checkHistory(value: unknown): History | string {
  try {
    const h = record(value, 'the file');
    if (h.version !== 1) return `unknown version ${JSON.stringify(h.version)?.slice(0, 40)}`;
    const builds = list(h.builds, 'its builds').map(checkBuild);
    if (new Set(builds.map((b) => b.id)).size !== builds.length) return 'two builds have the same id';
    return { version: 1, builds };
  } catch (err) {
    if (err instanceof NotPybps) return err.message;
    throw err;
  }
}

/**
 * Appends one build and keeps the newest HISTORY_LIMIT. Call while holding the
 * layers lock (two writers would lose an entry, never corrupt the file).
 * Returns the problem with the old file when it had to start fresh.
 */
export async function appendHistory(
  layersDir: string,
  build: Omit<HistoryBuild, 'id'>,
  /** The history as already read while holding the same lock. */
  alreadyRead?: Promise<HistoryRead>,
): Promise<{ id: number; startedFresh: string | null }> {
  const read = await (alreadyRead ?? readHistory(layersDir));
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
