// The `uv-cache` layer (spec §7.9): uncached, made empty on every build. It
// exists so uv's cache sits on the same filesystem as the venv and uv can
// hardlink instead of copying.
import type { UncachedLayerDefinition } from './definition.js';

export function uvCacheLayer(): UncachedLayerDefinition {
  return {
    kind: 'uncached',
    name: 'uv-cache',
    types: { build: true, launch: false, cache: false },
    why: 'uncached: uv\'s cache is made empty on every build',
    env: (dir) => [{ scope: 'build', name: 'UV_CACHE_DIR', modifier: 'override', value: dir }],
  };
}
