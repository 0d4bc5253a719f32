// The `pip` layer (spec §7.3): pip itself, installed from the interpreter's
// bundled wheel. Only the Python and pip versions matter: pip is pure Python,
// so a new OS or CPU does not invalidate it.
import { PIP_VERSION } from '../core/versions.js';
import type { CachedLayerDefinition } from './definition.js';
import { inFieldOrder } from './metadata.js';

export const PIP_LAYER_FIELDS = ['python_version', 'pip_version'] as const;

export function pipLayer(args: { pythonVersion: string }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'pip',
    types: { build: true, launch: false, cache: true },
    fields: PIP_LAYER_FIELDS,
    metadata: inFieldOrder(PIP_LAYER_FIELDS, { python_version: args.pythonVersion, pip_version: PIP_VERSION }),
    describe: (m) => `pip ${m.pip_version}`,
    entries: ['bin/pip'],
    embedsLayersPath: "pip's bin/ scripts start with the python layer's absolute path",
    // pip reads its version-check switch and, with --user, where to install from these.
    env: (dir) => [
      { scope: 'build', name: 'PIP_DISABLE_PIP_VERSION_CHECK', modifier: 'override', value: '1' },
      { scope: 'build', name: 'PYTHONUSERBASE', modifier: 'override', value: dir },
    ],
  };
}
