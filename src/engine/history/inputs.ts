// What a layer is made from, as one flat record of strings: the key history
// uses for "the last time this layer was made with comparable inputs".
import type { PlannedLayer } from '../plan/plan.js';
import type { InterpreterRecord } from '../python-source/interpreter-record.js';
import type { Target } from '../core/target.js';

export type LayerInputs = Record<string, string>;

/**
 * A cached layer's inputs are its metadata (what the buildpack compares). An
 * uncached layer has none, so its package manager, Python and target stand in.
 * The python layer also records where the interpreter came from: copying a
 * local one and downloading Heroku's cost very different times.
 */
export function layerInputs(
  layer: PlannedLayer,
  context: { packageManager: string; pythonVersion: string; target: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>; interpreter: InterpreterRecord | null },
): LayerInputs {
  const { def } = layer;
  if (def.kind === 'uncached') {
    const t = context.target;
    return { package_manager: context.packageManager, python_version: context.pythonVersion, arch: t.arch, distro_name: t.distro_name, distro_version: t.distro_version };
  }
  const inputs: LayerInputs = { ...def.metadata };
  if (def.name === 'python') inputs.interpreter_source = context.interpreter?.source ?? 'unknown';
  return inputs;
}

/** Same keys (the same kind of layer, e.g. a uv venv), whatever the values. */
export function sameShape(a: LayerInputs, b: LayerInputs): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

export function sameInputs(a: LayerInputs, b: LayerInputs): boolean {
  return sameShape(a, b) && Object.keys(a).every((k) => a[k] === b[k]);
}

/** `python_version 3.12.13, interpreter_source local`: the values of `a` that differ from `b`. */
export function describeDifference(a: LayerInputs, b: LayerInputs): string {
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k]}`)
    .join(', ');
}
