// Which layers a build makes, in build order, for each package manager
// (spec §7). The python layer always comes first.
import type { PackageManager } from '../analysis/types.js';
import type { InterpreterRecord } from '../python-source/interpreter-record.js';
import type { Target } from '../core/target.js';
import type { LayerDefinition } from './definition.js';
import { pipCacheLayer } from './pip-cache.js';
import { pipLayer } from './pip.js';
import { poetryLayer } from './poetry.js';
import { pythonLayer } from './python.js';
import { withLayersPath } from './layers-path.js';
import { uvCacheLayer } from './uv-cache.js';
import { uvLayer } from './uv.js';
import { pipVenvLayer, poetryVenvLayer, uvVenvLayer } from './venv.js';

export function layerDefinitions(args: {
  packageManager: PackageManager;
  pythonVersion: string;
  target: Target;
  previousInterpreter: InterpreterRecord | null;
  interpreter: InterpreterRecord | null;
  /** Where the last build's layers were, and where this build's are (a moved app rebuilds layers holding absolute paths). */
  layersPath?: { previous: string | null; current: string };
}): LayerDefinition[] {
  const defs = definitionsFor(args);
  const moved = args.layersPath;
  return moved ? defs.map((def) => withLayersPath(def, moved.previous, moved.current)) : defs;
}

function definitionsFor(args: Parameters<typeof layerDefinitions>[0]): LayerDefinition[] {
  const { pythonVersion, target } = args;
  const python = pythonLayer({
    pythonVersion,
    target,
    previousInterpreter: args.previousInterpreter,
    interpreter: args.interpreter,
  });
  switch (args.packageManager) {
    case 'pip':
      return [python, pipLayer({ pythonVersion }), pipCacheLayer({ pythonVersion, target }), pipVenvLayer()];
    case 'poetry':
      return [python, poetryLayer({ pythonVersion, target }), poetryVenvLayer({ pythonVersion, target })];
    case 'uv':
      return [python, uvLayer({ target }), uvCacheLayer(), uvVenvLayer({ pythonVersion, target })];
  }
}
