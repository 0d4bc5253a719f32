// The shared cache's part in one build, as two small hooks in runBuild:
// restore before planning (the plan then sees the restored layers as
// lifecycle would leave them), save after the commit. Kept here so the build
// pipeline only calls in.
import type { ProjectAnalysis } from '../analysis/types.js';
import type { Emit } from '../core/events.js';
import { BUILDPACK_ID, BUILDPACK_VERSION } from '../core/versions.js';
import type { BuildPlan, ReadyPlan } from '../plan/plan.js';
import { type CacheVerdict, withCacheReasons } from './decide.js';
import type { ProjectContext } from '../project/project-context.js';
import type { StoreState } from '../store/store-state.js';
import { type CacheBackend, CacheError } from './backend.js';
import { cacheBackend, type CacheFlags, chooseCache } from './choose.js';
import { type RestoreReport, type RestoreResult, restoreFromCache } from './restore.js';
import { type SaveReport, saveToCache } from './save.js';

/** What build --json says about the shared cache. */
export interface CacheSummary {
  cache: string;
  restore: RestoreReport | null;
  save: SaveReport | null;
}

export interface CacheSession {
  /** The store to plan from (with the restored layers). */
  store: StoreState;
  /** The build failed or was interrupted before its commit: remove what the restore added. */
  undo(): Promise<void>;
  save(plan: ReadyPlan, signal: AbortSignal): Promise<void>;
  /** The plan with the reasons why the cache's other layers were not taken. */
  annotate<P extends BuildPlan>(plan: P): P;
  summary(): CacheSummary;
}

export async function startCacheSession(args: {
  context: ProjectContext;
  analysis: ProjectAnalysis;
  store: StoreState;
  flags: CacheFlags;
  /** --clear-cache: save afterwards, but restore nothing. */
  clearCache: boolean;
  recordEntries: (names: string[]) => Promise<void>;
  emit: Emit;
  signal: AbortSignal;
}): Promise<CacheSession | null> {
  const choice = chooseCache(args.context, args.flags, { command: 'build', explicitConfig: true });
  if (!choice) return null;
  const backend = await cacheBackend(choice, args.context.hostEnv);
  const summary: CacheSummary = { cache: backend.describe, restore: null, save: null };
  let store = args.store;
  let undo = async () => {};
  let verdicts: CacheVerdict[] = [];
  let restoredAs: RestoreResult['restoredAs'] = new Map();
  if (!args.clearCache) {
    const restored = await restoreFromCache({
      context: args.context,
      analysis: args.analysis,
      local: args.store,
      backend,
      recordEntries: args.recordEntries,
      emit: args.emit,
      signal: args.signal,
    });
    summary.restore = restored.report;
    store = restored.store;
    undo = restored.undo;
    verdicts = restored.verdicts;
    restoredAs = restored.restoredAs;
  }
  return {
    store,
    undo: () => undo(),
    async save(plan, signal) {
      // A registry that hung at the restore is not made to hang the end of the build too.
      const hung = summary.restore?.cause === 'registry-timeout' ? summary.restore.problem : null;
      const target: CacheBackend = hung
        ? { ...backend, save: async () => Promise.reject(new CacheError('registry-timeout', `not tried: at the restore, ${hung}`, 'The registry is slow or hangs; build again later. PYBP_REGISTRY_TIMEOUT=SECONDS waits longer.')) }
        : backend;
      summary.save = await saveToCache(plan, target, args.emit, signal, `${BUILDPACK_ID} ${BUILDPACK_VERSION}`, restoredAs);
    },
    annotate: (plan) => withCacheReasons(plan, verdicts, backend.describe),
    summary: () => summary,
  };
}
