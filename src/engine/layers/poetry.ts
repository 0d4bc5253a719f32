// The `poetry` layer (spec §7.6): Poetry and its dependencies. Some of those
// are compiled, so the CPU and OS matter as well as the Python and Poetry versions.
import { POETRY_VERSION } from '../core/versions.js';
import type { CachedLayerDefinition } from './definition.js';
import { inFieldOrder, TARGET_FIELDS, type TargetFields, targetMetadata } from './metadata.js';

export const POETRY_LAYER_FIELDS = [...TARGET_FIELDS, 'python_version', 'poetry_version'] as const;

export function poetryLayer(args: { pythonVersion: string; target: TargetFields }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'poetry',
    types: { build: true, launch: false, cache: true },
    fields: POETRY_LAYER_FIELDS,
    metadata: inFieldOrder(POETRY_LAYER_FIELDS, { ...targetMetadata(args.target), python_version: args.pythonVersion, poetry_version: POETRY_VERSION }),
    describe: (m) => `Poetry ${m.poetry_version}`,
    entries: ['bin/poetry'],
    embedsLayersPath: "Poetry's bin/ scripts start with the python layer's absolute path",
    env: (dir) => [{ scope: 'build', name: 'PYTHONUSERBASE', modifier: 'override', value: dir }],
  };
}
