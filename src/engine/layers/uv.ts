// The `uv` layer (spec §7.8): a standalone binary, so only the CPU and the uv
// version matter. A new Python or OS keeps it.
import { UV_VERSION } from '../core/versions.js';
import type { CachedLayerDefinition } from './definition.js';
import { inFieldOrder, type TargetFields } from './metadata.js';

export const UV_LAYER_FIELDS = ['arch', 'uv_version'] as const;

export function uvLayer(args: { target: Pick<TargetFields, 'arch'> }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'uv',
    types: { build: true, launch: false, cache: true },
    fields: UV_LAYER_FIELDS,
    metadata: inFieldOrder(UV_LAYER_FIELDS, { arch: args.target.arch, uv_version: UV_VERSION }),
    describe: (m) => `uv ${m.uv_version}`,
    entries: ['bin/uv'],
    // uv must use the python layer, never fetch or manage its own Python; hardlinks
    // because reflinks can be slow.
    env: () => [
      { scope: 'build', name: 'UV_NO_MANAGED_PYTHON', modifier: 'override', value: '1' },
      { scope: 'build', name: 'UV_PYTHON_DOWNLOADS', modifier: 'override', value: 'never' },
      { scope: 'build', name: 'UV_LINK_MODE', modifier: 'override', value: 'hardlink' },
    ],
  };
}
