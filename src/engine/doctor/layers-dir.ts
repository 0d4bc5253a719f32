// The local layers directory: a config `layersDir` that leaves the app, a
// committed `.pybp/layers`, or a directory pybp did not make stops `pybp
// build` (store/layers-dir.ts decides). Heroku never sees that directory, so
// doctor warns rather than fails, with the build's own code, words and fix.
import type { LayersDirAccess } from '../store/layers-dir.js';
import { warn } from './check.js';
import type { DoctorCheck } from './types.js';

export function checkLayersDir(access: LayersDirAccess): DoctorCheck[] {
  const problem = access.problem;
  if (problem === null) return [];
  return [warn('layers-dir', 'project files', `${problem.title}: ${problem.message} A local \`pybp build\` stops here (Heroku is not affected).`, problem.fix, problem.code)];
}
