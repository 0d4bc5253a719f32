// The `venv` layer: the app's dependencies (spec §7.5, §7.7, §7.10). Its rules
// depend on the package manager:
// - pip: never cached. pip does not uninstall what left requirements.txt and has
//   no lockfile, so a reused venv would drift; the pip-cache layer gives the speed.
// - Poetry / uv: cached, because `poetry sync` / `uv sync` remove what is no longer
//   locked. Reused while CPU, OS, Python and the tool's version are unchanged.
// A venv written by another package manager carries the other tool's version key,
// so its metadata does not parse and it is discarded.
import { POETRY_VERSION, UV_VERSION } from '../core/versions.js';
import type { CachedLayerDefinition, UncachedLayerDefinition } from './definition.js';
import { inFieldOrder, TARGET_FIELDS, type TargetFields, targetMetadata } from './metadata.js';

export const POETRY_VENV_FIELDS = [...TARGET_FIELDS, 'python_version', 'poetry_version'] as const;
export const UV_VENV_FIELDS = [...TARGET_FIELDS, 'python_version', 'uv_version'] as const;

/** Why a moved venv can't be kept (uv itself would remove and recreate it). */
const VENV_PATHS = "a venv's pyvenv.cfg, bin/python link and script shebangs hold the python layer's and its own absolute paths";

/** What `python -m venv` makes and every tool run in the venv needs (bin/python links into the python layer). */
export const VENV_ENTRIES = ['pyvenv.cfg', 'bin/python'] as const;

export function pipVenvLayer(): UncachedLayerDefinition {
  return {
    kind: 'uncached',
    name: 'venv',
    types: { build: true, launch: true, cache: false },
    why: 'uncached for pip: pip never removes packages dropped from requirements.txt, so the venv is made fresh',
    // PIP_PYTHON is pip's --python: the pip layer's pip installs into this venv.
    env: (dir) => [
      { scope: 'all', name: 'VIRTUAL_ENV', modifier: 'override', value: dir },
      { scope: 'build', name: 'PIP_PYTHON', modifier: 'override', value: dir },
    ],
  };
}

export function poetryVenvLayer(args: { pythonVersion: string; target: TargetFields }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'venv',
    types: { build: true, launch: true, cache: true },
    fields: POETRY_VENV_FIELDS,
    metadata: inFieldOrder(POETRY_VENV_FIELDS, { ...targetMetadata(args.target), python_version: args.pythonVersion, poetry_version: POETRY_VERSION }),
    // Only the metadata is compared: `poetry sync` still brings the packages to poetry.lock.
    describe: () => 'metadata of the virtual environment (Poetry)',
    embedsLayersPath: VENV_PATHS,
    entries: VENV_ENTRIES,
    // Poetry installs into the active venv named by VIRTUAL_ENV.
    env: (dir) => [{ scope: 'all', name: 'VIRTUAL_ENV', modifier: 'override', value: dir }],
  };
}

export function uvVenvLayer(args: { pythonVersion: string; target: TargetFields }): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'venv',
    types: { build: true, launch: true, cache: true },
    fields: UV_VENV_FIELDS,
    metadata: inFieldOrder(UV_VENV_FIELDS, { ...targetMetadata(args.target), python_version: args.pythonVersion, uv_version: UV_VERSION }),
    // Only the metadata is compared: `uv sync` still brings the packages to uv.lock.
    describe: () => 'metadata of the virtual environment (uv)',
    embedsLayersPath: VENV_PATHS,
    entries: VENV_ENTRIES,
    // uv manages this venv instead of .venv in the app.
    env: (dir) => [
      { scope: 'all', name: 'VIRTUAL_ENV', modifier: 'override', value: dir },
      { scope: 'build', name: 'UV_PROJECT_ENVIRONMENT', modifier: 'override', value: dir },
    ],
  };
}
