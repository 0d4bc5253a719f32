// Save after a successful build: every cache = true layer the build left, as
// lifecycle's tar, with lifecycle's metadata, plus pybp's provenance beside
// it. Never the python layer of a local stand-in interpreter (its metadata
// names Heroku's version, so a pack build would take it for Heroku's
// runtime). A failure is a warning with a code: the build has succeeded.
import os from 'node:os';
import path from 'node:path';
import type { Warning } from '../analysis/types.js';
import type { Emit } from '../core/events.js';
import type { ReadyPlan } from '../plan/plan.js';
import { readAppText } from '../io/app-file.js';
import { parseLayerToml } from '../store/layer-toml.js';
import { readSidecar } from '../store/sidecar.js';
import { isDir } from '../io/fs.js';
import { type CacheBackend, type LayerToSave, problemOf, type SaveStats } from './backend.js';
import type { Provenance } from './metadata.js';
import { layerFingerprint } from './fingerprint.js';
import { Transfer } from './transfer.js';

export interface SaveReport {
  cache: string;
  saved: string[];
  /** Layers not saved, and why. */
  notSaved: Array<{ name: string; reason: string }>;
  stats: SaveStats | null;
  problem: string | null;
  /** How long the save took (packing and moving), failed or not. */
  durationMs: number;
  /** The problem's stable code (`registry-forbidden`, `registry-digest-reference` ...: backend.ts), null when none. */
  cause: string | null;
}

export async function saveToCache(
  plan: ReadyPlan,
  backend: CacheBackend,
  emit: Emit,
  signal: AbortSignal,
  pybpVersion: string,
  restoredAs: ReadonlyMap<string, { fingerprint: string; diffId: string; blob: { digest: string; size: number } | null }> = new Map(),
): Promise<SaveReport> {
  const layersDir = plan.context.layersDir;
  const report: SaveReport = { cache: backend.describe, saved: [], notSaved: [], stats: null, problem: null, cause: null, durationMs: 0 };
  const sidecar = await readSidecar(layersDir);
  const state = sidecar.ok ? sidecar.sidecar : null;
  const layers: LayerToSave[] = [];
  for (const { def } of plan.layers) {
    if (def.kind !== 'cached') continue;
    if (def.name === 'python' && state?.python?.source !== 'heroku' && state?.python?.source !== 'uv') {
      report.notSaved.push({
        name: 'python',
        reason: state?.python
          ? `its interpreter is a local stand-in (${state.python.version} at ${state.python.location}); pybp never shares such a layer (it takes under a second to make again)`
          : // Restored from a cache without pybp's provenance (pack's): where its interpreter came from is not known here.
            'pybp has no record of where its interpreter came from (it was restored from a cache without pybp\'s provenance, such as pack\'s); pybp shares only a python layer it knows to be Heroku\'s or uv\'s',
      });
      continue;
    }
    const dir = path.join(layersDir, def.name);
    const tomlPath = path.join(layersDir, `${def.name}.toml`);
    const text = (await isDir(dir)) ? await readAppText(tomlPath, 'layer-metadata').catch(() => undefined) : undefined;
    const metadata = text ? parseLayerToml(text, tomlPath).metadata : undefined;
    if (!metadata) {
      report.notSaved.push({ name: def.name, reason: 'the build left it without metadata' });
      continue;
    }
    // Untouched since the restore (a tool layer, a venv the sync left alone): the cache's tar is this layer's tar.
    const was = restoredAs.get(def.name);
    const unchanged = was && was.fingerprint === (await layerFingerprint(dir).catch(() => null)) ? { diffId: was.diffId, blob: was.blob } : undefined;
    layers.push({ name: def.name, dir, data: metadata, types: def.types, ...(unchanged ? { unchanged } : {}) });
  }
  const provenance: Provenance = {
    version: 1,
    pybp: pybpVersion,
    // The layers path the tools saw (/layers/heroku_python with Heroku's paths): what path-bound layers hold.
    layersDir: plan.context.view.layers.view,
    python: layers.some((l) => l.name === 'python') ? (state?.python ?? null) : null,
    host: {
      platform: os.platform(),
      arch: plan.context.target.arch,
      distro: `${plan.context.target.distro_name}-${plan.context.target.distro_version}`,
    },
    layers: Object.fromEntries(
      layers.map((l) => {
        const r = state?.lastBuild?.layers[l.name];
        return [l.name, { sizeBytes: r?.sizeBytes ?? null, madeMs: r?.madeMs ?? null }];
      }),
    ),
  };
  // A layer's size is known once it is packed; the start names the layers only.
  const transfer = new Transfer(emit, 'save', backend.describe, layers.map((l) => ({ name: l.name, bytes: null })));
  try {
    report.stats = await backend.save(layers, provenance, signal, transfer);
    report.saved = layers.map((l) => l.name);
    report.durationMs = transfer.finish(true, report.stats).durationMs;
  } catch (err) {
    report.durationMs = transfer.finish(false).durationMs;
    const p = signal.aborted ? { cause: 'interrupted', message: 'interrupted', fix: 'Build again to save the cache.' } : problemOf(err, backend.kind);
    report.problem = p.message;
    report.cause = p.cause;
    const warning: Warning = {
      code: 'cache-save-failed',
      title: 'The build cache was not saved',
      message: `Saving to ${backend.describe} failed: ${report.problem}. The build itself succeeded; the next build with this cache restores what it had before. Fix (${p.cause}): ${p.fix}`,
      cause: p.cause,
      fix: p.fix,
    };
    emit({ type: 'warning', warning });
  }
  return report;
}
