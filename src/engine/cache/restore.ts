// Restore before the build: the layers the build would reuse (decide.ts),
// streamed from the cache with every digest checked on the way, extracted
// into a staging dir inside pybp's own layers dir (`.pybp/restore/<name>`),
// then renamed into place and given their toml last. Anything refused or
// failing is a layer absent (the build makes it), never a failed build; an
// interrupt removes what this restore added and stops the build.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ProjectAnalysis, Warning } from '../analysis/types.js';
import type { Emit } from '../core/events.js';
import { interruptedError } from '../core/interrupted.js';
import type { ProjectContext } from '../project/project-context.js';
import { controlDir } from '../store/control-dir.js';
import { readStore, type StoreState } from '../store/store-state.js';
import { writeFileAtomic } from '../store/write-atomic.js';
import { type CacheBackend, CacheError, type CacheProblem, problemOf } from './backend.js';
import { type CacheVerdict, decideFromCache, mergeStores, restoredToml, restoredView } from './decide.js';
import { DigestStream, MaybeGunzip } from './digest-stream.js';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits, layerExtractor, RefusedLayer } from './layer-tar.js';
import type { PreviousLayer } from '../store/previous-state.js';
import { layerFingerprint } from './fingerprint.js';
import { type BlobMeter, Transfer } from './transfer.js';

export interface RestoreReport {
  cache: string;
  /** Layers taken from the cache, with the bytes moved. */
  restored: Array<{ name: string; bytes: number; diffId: string }>;
  /** Layers the cache had that the build does not take, and why (the rule's reasons, or a refusal). */
  skipped: Array<{ name: string; reasons: string[] }>;
  /** Why the cache as a whole was not used (absent: null and no layers). */
  problem: string | null;
  /** Bytes read from the cache (a refused layer's too: they crossed), blobs not read (the layers dir had the layer, or the build does not take it), and how long it took. */
  bytesMoved: number;
  blobsSkipped: number;
  durationMs: number;
  /** The problem's stable code (`registry-unauthorized`, `cache-corrupt` ...: backend.ts), null when none. */
  cause: string | null;
}

export interface RestoreResult {
  report: RestoreReport;
  /** The store the plan should see: re-read from disk, with the provenance's facts. */
  store: StoreState;
  /** Removes the restored layers (the build failed or was interrupted: the layers dir goes back to how it was). */
  undo(): Promise<void>;
  /** Names restored (and so still as the cache had them, unless the build changed them). */
  names: ReadonlySet<string>;
  /** What the cache's layers were judged (for the plan's reasons). */
  verdicts: CacheVerdict[];
  /** Each restored layer's fingerprint right after the restore, and what the cache had it as. */
  restoredAs: Map<string, { fingerprint: string; diffId: string; blob: { digest: string; size: number } | null }>;
}

export async function restoreFromCache(args: {
  context: ProjectContext;
  analysis: ProjectAnalysis;
  local: StoreState;
  backend: CacheBackend;
  /** Records the entries in pybp's ownership record before they are made. */
  recordEntries: (names: string[]) => Promise<void>;
  emit: Emit;
  signal: AbortSignal;
  limits?: ExtractLimits;
}): Promise<RestoreResult> {
  const { context, backend, emit, signal } = args;
  const layersDir = context.layersDir;
  const report: RestoreReport = { cache: backend.describe, restored: [], skipped: [], problem: null, cause: null, bytesMoved: 0, blobsSkipped: 0, durationMs: 0 };
  const made: string[] = [];
  const undo = async () => {
    for (const name of made.reverse()) {
      await fs.rm(path.join(layersDir, `${name}.toml`), { force: true });
      await fs.rm(path.join(layersDir, name), { recursive: true, force: true });
    }
    made.length = 0;
  };
  const nothing = (verdicts: CacheVerdict[] = []): RestoreResult => ({ report, store: args.local, undo, names: new Set(), verdicts, restoredAs: new Map() });
  const warn = (warning: Warning) => emit({ type: 'warning', warning });

  let read;
  try {
    read = await backend.readIndex(signal);
  } catch (err) {
    if (signal.aborted) throw interruptedError();
    const p = problemOf(err, backend.kind);
    read = { kind: 'unusable' as const, problem: p.message, cause: p.cause, fix: p.fix };
  }
  if (read.kind === 'absent') {
    emit({ type: 'info', step: null, message: `No cache at ${backend.describe} yet: a cold build` });
    return nothing();
  }
  if (read.kind === 'unusable') {
    report.problem = read.problem;
    report.cause = read.cause;
    warn(restoreWarning(`${backend.describe} is not used: ${read.problem}. Every layer counts as absent.`, 'cache-restore-failed', read));
    return nothing();
  }
  const index = read.index;
  const { verdicts } = await decideFromCache(context, args.analysis, args.local, index, { runsAppCode: true });
  const toRestore = verdicts.filter((v): v is Extract<CacheVerdict, { take: 'restore' }> => v.take === 'restore');
  const transfer = new Transfer(emit, 'restore', backend.describe, toRestore.map((v) => ({ name: v.name, bytes: index.sizes.get(v.layer.diffId) ?? null })));
  const finish = (ok: boolean) => Object.assign(report, transfer.finish(ok));
  for (const v of verdicts) {
    if (v.take === 'no') {
      report.skipped.push({ name: v.name, reasons: v.reasons.map(reasonText) });
      transfer.skipped(v.name, v.reasons.map(reasonText).join('; ') || null, 'not-needed');
    } else if (v.take === 'local') transfer.skipped(v.name, null, 'already-present');
  }
  if (toRestore.length === 0) {
    finish(true);
    return nothing(verdicts);
  }

  const stagingRoot = path.join(controlDir(layersDir), 'restore');
  await freshStagingRoot(stagingRoot);
  await args.recordEntries(toRestore.map((v) => v.name));
  const restored = new Map<string, PreviousLayer>();
  const restoredAs: RestoreResult['restoredAs'] = new Map();
  try {
    // A registry gone or hanging on one layer is not asked for the next (each would wait out its timeout).
    let gone: CacheProblem | null = null;
    for (const v of toRestore) {
      if (signal.aborted) throw interruptedError();
      const staging = path.join(stagingRoot, v.name);
      const finalDir = path.join(layersDir, v.name);
      const meter = transfer.blob(v.name, 'moving', index.sizes.get(v.layer.diffId) ?? null);
      try {
        if (gone) throw new CacheError(gone.cause, `not tried, after an earlier layer: ${gone.message}`, gone.fix);
        // Links are judged where the build's tools will see the layer (/layers/heroku_python with Heroku's paths).
        const seen = context.view.layers.view;
        const bytes = await extractLayer({ backend, index, verdict: v, staging, finalDir: path.join(seen, v.name), layersDir: seen, signal, limits: args.limits, meter });
        // Only into a slot that is still empty (decide.ts took only layers the dir did not have).
        await fs.rename(staging, finalDir);
        made.push(v.name);
        // The toml last: a kill before it leaves a directory without metadata, which the rule discards.
        await writeFileAtomic(path.join(layersDir, `${v.name}.toml`), restoredToml(v.layer));
        restored.set(v.name, restoredView(layersDir, v.layer));
        const blob = index.blobs.get(v.layer.diffId);
        restoredAs.set(v.name, { fingerprint: await layerFingerprint(finalDir), diffId: v.layer.diffId, blob: blob ? { digest: blob.digest, size: blob.size } : null });
        report.restored.push({ name: v.name, bytes, diffId: v.layer.diffId });
        meter.done(true);
      } catch (err) {
        meter.done(false);
        await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
        if (signal.aborted) throw interruptedError();
        const problem = err instanceof RefusedLayer ? null : problemOf(err, backend.kind);
        if (problem?.cause === 'registry-unreachable' || problem?.cause === 'registry-timeout') gone ??= problem;
        const why = err instanceof RefusedLayer ? `refused: ${err.reason}` : `could not be read: ${problem!.message}`;
        report.skipped.push({ name: v.name, reasons: [why] });
        warn(restoreWarning(`The cached ${v.name} layer from ${backend.describe} ${why}. It is built instead.`, 'cache-layer-refused', problem ?? { cause: 'cache-corrupt', fix: REFUSED_FIX }));
      }
    }
  } catch (err) {
    finish(false);
    await undo();
    throw err;
  } finally {
    await fs.rm(stagingRoot, { recursive: true, force: true }).catch(() => {});
  }
  finish(true);
  // What the build plans from: the layers dir as it is now, and the provenance where pybp has no sidecar.
  const store = mergeStores(await readStore(layersDir), restored, index.provenance, context.view.layers.view);
  // A refused layer is made by the build: its reason goes with it.
  const judged = verdicts.map((v): CacheVerdict => {
    const refused = v.take === 'restore' && !restored.has(v.name) ? report.skipped.find((s) => s.name === v.name) : undefined;
    return refused ? { name: v.name, take: 'no', layer: v.layer, reasons: refused.reasons.map((message) => ({ field: 'cache', from: null, to: null, message, pybpOnly: true })) } : v;
  });
  return { report, store, undo, names: new Set(restored.keys()), verdicts: judged, restoredAs };
}

/** Streams one cached layer into `staging`, its blob digest and diffID checked on the way; returns the bytes moved. */
export async function extractLayer(a: {
  backend: CacheBackend;
  index: import('./backend.js').CacheIndex;
  verdict: { name: string; layer: import('./metadata.js').CachedLayer };
  staging: string;
  finalDir: string;
  layersDir: string;
  signal: AbortSignal;
  limits: ExtractLimits | undefined;
  /** Counts the stored bytes as they come (progress events). */
  meter?: BlobMeter;
}): Promise<number> {
  const limits = a.limits ?? DEFAULT_EXTRACT_LIMITS;
  // The extractor first: once the body is open, nothing may come between it and the pipeline's error handling.
  const { sink, done } = await layerExtractor({ layerName: a.verdict.name, stagingDir: a.staging, finalDir: a.finalDir, layersDir: a.layersDir, limits });
  done.catch(() => {});
  let opened;
  try {
    opened = await a.backend.openLayer(a.index, a.verdict.layer, a.signal);
  } catch (err) {
    sink.destroy();
    throw err;
  }
  const { body, blobDigest } = opened;
  // An abort can error the body before pipeline() listens: never an unhandled 'error'.
  body.on('error', () => {});
  const raw = new DigestStream(limits.maxBytes * 2 + (1 << 20));
  const diff = new DigestStream(limits.maxBytes * 2 + (1 << 20));
  const piping = a.meter
    ? pipeline(body, a.meter.counter(), raw, new MaybeGunzip(), diff, sink, { signal: a.signal })
    : pipeline(body, raw, new MaybeGunzip(), diff, sink, { signal: a.signal });
  const [p, d] = await Promise.allSettled([piping, done]);
  if (d.status === 'rejected' && d.reason instanceof RefusedLayer) throw d.reason;
  if (p.status === 'rejected') {
    // gunzip notices damage before the digest can be compared: still a damaged blob, said as such.
    const code = String((p.reason as NodeJS.ErrnoException).code ?? '');
    if (code.startsWith('Z_')) throw new RefusedLayer(`its blob is damaged (gzip: ${(p.reason as Error).message}), so it cannot be ${blobDigest ?? a.verdict.layer.diffId}`);
    throw p.reason;
  }
  if (d.status === 'rejected') throw d.reason;
  if (blobDigest && raw.digest() !== blobDigest) throw new RefusedLayer(`its blob's digest is ${raw.digest()}, not ${blobDigest} as the manifest says`);
  if (diff.digest() !== a.verdict.layer.diffId) throw new RefusedLayer(`its diffID is ${diff.digest()}, not ${a.verdict.layer.diffId} as the cache metadata says`);
  return raw.bytes;
}

/** `.pybp/restore/` must be a plain directory pybp makes (a symlink there would send the layers elsewhere). */
async function freshStagingRoot(dir: string): Promise<void> {
  try {
    const st = await fs.lstat(dir);
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory pybp made`);
    // Left by a killed restore: pybp's own.
    await fs.rm(dir, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(dir, { mode: 0o700 });
}

const REFUSED_FIX = 'Nothing to do for this build (it makes the layer); the next successful build saves a sound one. If it repeats, the cache was written by something pybp does not trust: give it a cache of its own.';

/** The warning, its cause and fix also in its words (the terminal shows the message). */
function restoreWarning(message: string, code: 'cache-restore-failed' | 'cache-layer-refused', problem: { cause: string; fix: string }): Warning {
  return {
    code,
    title: code === 'cache-layer-refused' ? 'A cached layer was refused' : 'The shared cache was not used',
    message: `${message} Fix (${problem.cause}): ${problem.fix}`,
    cause: problem.cause,
    fix: problem.fix,
  };
}

function reasonText(r: { field: string; from: string | null; to: string | null; message: string }): string {
  if (r.field === 'layers path' && r.from && r.to) return `layers path: ${r.from} → ${r.to}`;
  return r.message;
}
