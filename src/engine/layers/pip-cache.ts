// The `pip-cache` layer (spec §7.4): pip's HTTP and wheel cache. Wheels built
// from sdists are specific to the CPU, OS and Python, hence all five fields.
import { PIP_VERSION } from '../versions.js';
import type { Target } from '../target.js';
import type { CachedLayerDefinition } from './definition.js';

export const PIP_CACHE_LAYER_FIELDS = ['arch', 'distro_name', 'distro_version', 'python_version', 'pip_version'] as const;

export function pipCacheLayer(args: {
  pythonVersion: string;
  target: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>;
}): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'pip-cache',
    types: { build: true, launch: false, cache: true },
    fields: PIP_CACHE_LAYER_FIELDS,
    metadata: {
      arch: args.target.arch,
      distro_name: args.target.distro_name,
      distro_version: args.target.distro_version,
      python_version: args.pythonVersion,
      pip_version: PIP_VERSION,
    },
    describe: () => `pip's download and wheel cache`,
    env: (dir) => [{ scope: 'build', name: 'PIP_CACHE_DIR', modifier: 'override', value: dir }],
  };
}
