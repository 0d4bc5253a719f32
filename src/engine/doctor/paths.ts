// doctor: which paths the next build's tools will see (the same decision the
// build makes, project/paths-choice.ts), and what a change of mode costs.
// Needs no bubblewrap: the decision was made when the context was resolved,
// and the last build's layers path is read as data from pybp's state file.
import type { ProjectContext } from '../project/project-context.js';
import { readSidecar } from '../store/sidecar.js';
import { BUBBLEWRAP_PACKAGE } from '../io/sandbox-probe.js';
import { pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

export async function checkPaths(context: ProjectContext, layersDir: string | null): Promise<DoctorCheck> {
  const { paths, view } = context;
  const read = layersDir ? await readSidecar(layersDir).catch(() => null) : null;
  const last = read?.ok ? (read.sidecar?.layersDir ?? null) : null;
  const change = last !== null && last !== view.layers.view ? ` The last build's tools saw the layers at ${last}: the next build rebuilds pip, Poetry and the venv (layers path: ${last} → ${view.layers.view}).` : '';
  if (paths.mode === 'heroku') {
    return pass('paths', 'heroku readiness', `Builds see Heroku's paths: the layers at ${view.layers.view} and the app at ${view.app.view} (bubblewrap), so the venv is portable.${change}`);
  }
  if (paths.note) {
    return warn(
      'paths',
      'heroku readiness',
      `${paths.note.charAt(0).toUpperCase()}${paths.note.slice(1)}. The venv then names ${view.layers.host}, and paths the app computes differ from Heroku's.${change}`,
      `Make bubblewrap usable (install the ${BUBBLEWRAP_PACKAGE} package; in a container, allow user namespaces) and build again; or set build.paths to "host" in the pybp config to build so without this warning.`,
    );
  }
  return pass('paths', 'heroku readiness', `Builds see this machine's paths (--paths host): moving the app rebuilds pip, Poetry and the venv.${change}`);
}
