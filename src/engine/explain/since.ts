// `pybp explain --since <ref>`: the current tree decided against the layers a
// build of <ref> would have left, not against the local layers. The ref's
// files come from git's object store (history/git-tree.ts); the ref's layers
// are what its plan would write: each cached layer with the metadata its
// definition gives. Both plans run the same planning code as a build.
import type { Assumptions } from '../analysis/assumptions.js';
import type { ErrorData } from '../core/errors.js';
import { checkoutRefToTemp } from '../io/git-tree.js';
import { renderLayerToml } from '../store/layer-toml.js';
import type { PreviousLayer } from '../store/previous-state.js';
import type { StoreState } from '../store/store-state.js';
import { EMPTY_STORE } from '../store/store-state.js';
import { analyse, blockedPlan, type BuildPlan, planLayers } from '../plan/plan.js';
import type { ProjectContext } from '../project/project-context.js';

export interface SinceInfo {
  ref: string;
  commit: string;
  /** What a build of the ref would have been; null when it would have stopped before deciding on layers. */
  refBuild: { packageManager: string; python: string; layers: string[] } | null;
  /** The error a build of the ref would stop on, when there is one. */
  refError: Pick<ErrorData, 'code' | 'title'> | null;
  /** A layer the ref's build would have cached is not reused (discarded or dropped). */
  cacheBusted: boolean;
  notes: string[];
}

export async function planSince(context: ProjectContext, ref: string, assume: Assumptions = {}): Promise<{ plan: BuildPlan; since: SinceInfo }> {
  const tree = await checkoutRefToTemp(context.appDir, ref);
  try {
    // The ref's files with this machine's settings (config, target, interpreters).
    const refContext: ProjectContext = { ...context, appDir: tree.dir };
    const notes = [...tree.notes];
    let store = EMPTY_STORE;
    let refBuild: SinceInfo['refBuild'] = null;
    let refError: SinceInfo['refError'] = null;
    const refAnalysed = await analyse(refContext);
    if (refAnalysed.ok) {
      const refPlan = await planLayers(refContext, refAnalysed.analysis, EMPTY_STORE);
      // A plan blocked only because this machine has no interpreter still
      // knows its layers: Heroku would have made them.
      if (refPlan.layers.length > 0) {
        store = storeLeftBy(refPlan, ref);
        refBuild = {
          packageManager: refAnalysed.analysis.packageManager,
          python: refAnalysed.analysis.python.resolved,
          layers: refPlan.layers.filter((l) => l.def.kind === 'cached').map((l) => l.def.name),
        };
      }
      if (refPlan.error) refError = { code: refPlan.error.code, title: refPlan.error.title };
    } else {
      refError = { code: refAnalysed.error.code, title: refAnalysed.error.title };
    }
    if (!refBuild) {
      notes.push(`A build of ${ref} would stop (${refError?.code}: ${refError?.title}) and leave no layers of its own, so every layer is compared with an empty cache.`);
    }
    const analysed = await analyse(context, assume);
    const plan = analysed.ok ? await planLayers(context, analysed.analysis, store) : blockedPlan(context, null, analysed.error, store);
    const decisions = [...plan.layers.map((l) => l.decision), ...plan.drops];
    const cacheBusted = refBuild === null || decisions.some((d) => d.action === 'discard' || d.action === 'drop');
    return { plan, since: { ref, commit: tree.commit, refBuild, refError, cacheBusted, notes } };
  } finally {
    await tree.remove();
  }
}

/** The layers directory a successful build of the ref would leave: its cached layers, with its metadata. */
function storeLeftBy(plan: BuildPlan, ref: string): StoreState {
  const previous = new Map<string, PreviousLayer>();
  for (const { def } of plan.layers) {
    if (def.kind !== 'cached') continue;
    previous.set(def.name, {
      name: def.name,
      hasDir: true,
      dirPath: null,
      tomlText: renderLayerToml(def.types, def.metadata),
      tomlPath: `${def.name}.toml of a build of ${ref}`,
      types: def.types,
      restored: true,
      metadataKeys: Object.keys(def.metadata),
    });
  }
  return { previous, sidecar: { ok: true, sidecar: { version: 1, python: plan.interpreter, lastBuild: null } }, journal: null };
}
