// The `pip-cache` layer (spec §7.4): pip's HTTP and wheel cache. Wheels built
// from sdists are specific to the CPU, OS and Python, hence all five fields.
import { PIP_VERSION } from '../core/versions.js';
import type { CachedLayerDefinition } from './definition.js';
import { inFieldOrder, TARGET_FIELDS, type TargetFields, targetMetadata } from './metadata.js';

export const PIP_CACHE_LAYER_FIELDS = [...TARGET_FIELDS, 'python_version', 'pip_version'] as const;

export function pipCacheLayer(args: { pythonVersion: string; target: TargetFields }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'pip-cache',
    types: { build: true, launch: false, cache: true },
    fields: PIP_CACHE_LAYER_FIELDS,
    metadata: inFieldOrder(PIP_CACHE_LAYER_FIELDS, { ...targetMetadata(args.target), python_version: args.pythonVersion, pip_version: PIP_VERSION }),
    describe: () => `pip's download and wheel cache`,
    env: (dir) => [{ scope: 'build', name: 'PIP_CACHE_DIR', modifier: 'override', value: dir }],
  };
}
