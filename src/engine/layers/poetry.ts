// The `poetry` layer (spec §7.6): Poetry and its dependencies. Some of those
// are compiled, so the CPU and OS matter as well as the Python and Poetry versions.
import { POETRY_VERSION } from '../versions.js';
import type { Target } from '../target.js';
import type { CachedLayerDefinition } from './definition.js';

export const POETRY_LAYER_FIELDS = ['arch', 'distro_name', 'distro_version', 'python_version', 'poetry_version'] as const;

export function poetryLayer(args: {
  pythonVersion: string;
  target: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>;
}): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'poetry',
    types: { build: true, launch: false, cache: true },
    fields: POETRY_LAYER_FIELDS,
    metadata: {
      arch: args.target.arch,
      distro_name: args.target.distro_name,
      distro_version: args.target.distro_version,
      python_version: args.pythonVersion,
      poetry_version: POETRY_VERSION,
    },
    describe: (m) => `Poetry ${m.poetry_version}`,
    embedsLayersPath: "Poetry's bin/ scripts start with the python layer's absolute path",
    env: (dir) => [{ scope: 'build', name: 'PYTHONUSERBASE', modifier: 'override', value: dir }],
  };
}
