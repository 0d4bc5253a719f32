// explain --cache-dir / --cache-image: reads only the cache's metadata (a
// cache dir's metadata file, an image's manifest and config label), never a
// layer, and says per layer what the next build would take (bytes, the time
// it saves) or why not, through the same decisions the build makes.
import { planLayers, type BuildPlan, withLayersDirProblem } from '../plan/plan.js';
import { cacheBackend, type CacheFlags, chooseCache } from './choose.js';
import { problemOf } from './backend.js';
import { decideFromCache, withCacheReasons } from './decide.js';

export interface CacheExplainLayer {
  name: string;
  /** restore: the build takes it; local: the layers dir has its own; no: not taken (reasons say why). */
  take: 'restore' | 'local' | 'no';
  /** Bytes to move (the blob or tar), for a layer the build takes. */
  bytes?: number | null;
  /** What making it took where it was built (pybp's provenance): the time a restore saves, roughly. */
  savedMs?: number | null;
  reasons?: string[];
}

export interface CacheExplain {
  cache: string;
  /** Why the cache as a whole gives nothing (absent, unreachable, corrupt); null when it was read. */
  problem: string | null;
  /** The problem's stable code and fix (`registry-unauthorized` ...: backend.ts), when the cache is there but not usable. */
  cause?: string;
  fix?: string;
  layers: CacheExplainLayer[];
}

export async function explainCache(plan: BuildPlan, flags: CacheFlags, explicitConfig: boolean): Promise<{ plan: BuildPlan; cache: CacheExplain | null }> {
  // Only a flag or a config the user named: a repo's own config never makes explain send traffic.
  const choice = chooseCache(plan.context, flags, { command: 'explain', explicitConfig });
  if (!choice) return { plan, cache: null };
  const backend = await cacheBackend(choice, plan.context.hostEnv);
  const cache: CacheExplain = { cache: backend.describe, problem: null, layers: [] };
  if (!plan.analysis) return { plan, cache: { ...cache, problem: 'the app cannot be planned (see the error)' } };
  const controller = new AbortController();
  let read;
  try {
    read = await backend.readIndex(controller.signal);
  } catch (err) {
    const p = problemOf(err, backend.kind);
    read = { kind: 'unusable' as const, problem: p.message, cause: p.cause, fix: p.fix };
  }
  if (read.kind === 'absent') return { plan, cache: { ...cache, problem: 'no cache there yet: the next build is cold' } };
  if (read.kind === 'unusable') return { plan, cache: { ...cache, problem: `not usable: ${read.problem}; every layer counts as absent`, cause: read.cause, fix: read.fix } };
  const { verdicts, merged } = await decideFromCache(plan.context, plan.analysis, plan.store, read.index);
  let next = withLayersDirProblem(await planLayers(plan.context, plan.analysis, merged));
  next = withCacheReasons(next, verdicts, backend.describe);
  cache.layers = verdicts.map((v): CacheExplainLayer => {
    if (v.take === 'restore') return { name: v.name, take: 'restore', bytes: v.bytes, savedMs: v.madeMs };
    if (v.take === 'local') return { name: v.name, take: 'local', reasons: ['the layers dir has its own; the build judges that one'] };
    return {
      name: v.name,
      take: 'no',
      reasons: v.reasons.map((r) => (r.field === 'layers path' && r.from && r.to ? `layers path: ${r.from} → ${r.to}` : r.message)),
    };
  });
  return { plan: next, cache };
}
