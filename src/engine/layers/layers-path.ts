// pybp-only: the layers directory moved (the app folder was moved or
// renamed). On Heroku the layers path never changes, so the buildpack has no
// such reason; locally, a layer whose contents hold absolute paths into the
// old directory would be broken (`spawn …/pip/bin/pip ENOENT`), so it is
// rebuilt. Layers without such paths (python, uv, the caches) are kept.
import type { CachedLayerDefinition, LayerDefinition } from './definition.js';
import type { Reason } from './types.js';
import { HEROKU_LAYERS_PATH } from '../core/heroku-paths.js';

export function layersPathReason(def: CachedLayerDefinition, previous: string | null, current: string): Reason | null {
  if (!def.embedsLayersPath || previous === null || previous === current) return null;
  return {
    field: 'layers path',
    from: previous,
    to: current,
    message: [previous, current].includes(HEROKU_LAYERS_PATH)
      ? `the build's tools saw the layers at ${previous} and now see them at ${current} (--paths ${current === HEROKU_LAYERS_PATH ? 'heroku' : 'host'}), and ${def.embedsLayersPath} (pybp only: Heroku's layers path never changes)`
      : `the layers moved from ${previous} to ${current}, and ${def.embedsLayersPath} (pybp only: Heroku's layers path never changes)`,
    pybpOnly: true,
  };
}

/** The definition with the moved-layers reason added, when it applies. */
export function withLayersPath(def: LayerDefinition, previous: string | null, current: string): LayerDefinition {
  if (def.kind !== 'cached') return def;
  const reason = layersPathReason(def, previous, current);
  return reason ? { ...def, pybpReasons: [...(def.pybpReasons ?? []), reason] } : def;
}
