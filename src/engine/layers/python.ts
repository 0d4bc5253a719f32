// The `python` layer (spec §7.2): the interpreter. Reused only when the
// architecture, the OS and the resolved Python version all match.
import type { CachedLayerDefinition } from './definition.js';
import { inFieldOrder, TARGET_FIELDS, type TargetFields, targetMetadata } from './metadata.js';
import { SOURCE_DATE_EPOCH } from '../core/versions.js';
import type { EnvFile } from '../store/layer-env.js';
import type { Reason } from './types.js';
import { describeInterpreterRecord, type InterpreterRecord } from '../python-source/interpreter-record.js';

export const PYTHON_LAYER_FIELDS = [...TARGET_FIELDS, 'python_version'] as const;

export function pythonLayer(args: {
  pythonVersion: string;
  target: TargetFields;
  /** The interpreter the previous build used (sidecar) and the one this build would use. */
  previousInterpreter?: InterpreterRecord | null;
  interpreter?: InterpreterRecord | null;
}): CachedLayerDefinition {
  return {
    kind: 'cached',
    name: 'python',
    types: { build: true, launch: true, cache: true },
    fields: PYTHON_LAYER_FIELDS,
    metadata: inFieldOrder(PYTHON_LAYER_FIELDS, { ...targetMetadata(args.target), python_version: args.pythonVersion }),
    pybpReasons: interpreterReasons(args.previousInterpreter, args.interpreter),
    // What every python layer holds (spec §7.2), whatever the source; the venv's bin/python links to bin/python.
    entries: pythonLayerEntries(args.pythonVersion),
    describe: (m) => `Python ${m.python_version} (${m.distro_name} ${m.distro_version}, ${m.arch})`,
    env: (dir) => pythonLayerEnv(dir, args.pythonVersion),
  };
}

export function pythonLayerEntries(pythonVersion: string): string[] {
  const [major, minor] = pythonVersion.split('.');
  return ['bin/python', `bin/python${major}`, `bin/python${major}.${minor}`];
}

/**
 * pybp-only: the layer's metadata can match while the interpreter copied into it
 * changed (pyenv upgraded 3.12.1 to 3.12.8, or the source went from local to
 * heroku). Heroku never sees this; pybp rebuilds so the layer holds what it says.
 */
function interpreterReasons(
  previous: InterpreterRecord | null | undefined,
  next: InterpreterRecord | null | undefined,
): Reason[] {
  if (!previous || !next) return [];
  const before = describeInterpreterRecord(previous);
  const after = describeInterpreterRecord(next);
  if (before === after) return [];
  return [
    {
      field: 'interpreter',
      from: before,
      to: after,
      message: `the interpreter behind the layer changed from ${before} to ${after} (pybp only: Heroku always downloads its own build)`,
      pybpOnly: true,
    },
  ];
}

/**
 * Headers live in include/pythonX.Y and pc files in lib/pkgconfig, which the
 * automatic layer paths miss; SOURCE_DATE_EPOCH makes compileall write
 * hash-based .pyc files and keeps wheel dates valid; unbuffered output keeps
 * logs from being lost in a crash.
 */
export function pythonLayerEnv(layerDir: string, pythonVersion: string): EnvFile[] {
  const [major, minor] = pythonVersion.split('.');
  return [
    { scope: 'all', name: 'PYTHONUNBUFFERED', modifier: 'override', value: '1' },
    { scope: 'build', name: 'CPATH', modifier: 'prepend', value: `${layerDir}/include/python${major}.${minor}` },
    { scope: 'build', name: 'CPATH', modifier: 'delim', value: ':' },
    { scope: 'build', name: 'PKG_CONFIG_PATH', modifier: 'prepend', value: `${layerDir}/lib/pkgconfig` },
    { scope: 'build', name: 'PKG_CONFIG_PATH', modifier: 'delim', value: ':' },
    { scope: 'build', name: 'SOURCE_DATE_EPOCH', modifier: 'default', value: SOURCE_DATE_EPOCH },
  ];
}
