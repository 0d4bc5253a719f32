// One layers directory holds one app's layers. Two apps built into the same
// `--layers-dir` would take each other's layers (the second reuses the first's
// venv, and `pybp run` of the first then runs in the second's), so a build of
// another app there is refused, and explain says so. The sidecar names the app
// the layers were built for (by real path, project-context.ts); a layers
// directory that moved along with its app (the default `.pybp/layers`) is the
// moved-app case instead, whose layers are judged by layers-path.ts.
import type { ErrorData } from '../core/errors.js';
import { inert } from '../core/inert-text.js';
import { shellQuote } from '../core/shell-quote.js';
import type { SidecarRead } from '../store/sidecar.js';
import { HEROKU_LAYERS_PATH } from '../core/heroku-paths.js';

export function otherAppProblem(appDir: string, layersDir: string, read: SidecarRead): ErrorData | null {
  const sidecar = read.ok ? read.sidecar : null;
  if (!sidecar?.app || sidecar.app === appDir) return null;
  // Older sidecars name no layers path: the app alone decides. With Heroku's paths the recorded path is
  // the tools' view (/layers/heroku_python), the same for every app: a layers dir that moved with its app
  // is then the one inside the app.
  if (sidecar.layersDir === HEROKU_LAYERS_PATH) {
    if (layersDir.startsWith(`${appDir}/`)) return null;
  } else if (sidecar.layersDir !== undefined && sidecar.layersDir !== layersDir) return null;
  // The paths are the file system's names: shown inert (a newline in a directory name stays on its line).
  const other = inert(sidecar.app);
  const here = inert(appDir);
  return {
    code: 'layers-dir-other-app',
    title: "The layers directory holds another app's layers",
    message: `${inert(layersDir)} was last built for the app in ${other}, not for ${here}. pybp keeps one app's layers in a layers directory: building this app there would take that app's layers as its own, and \`pybp run\` of that app would then run in this app's venv. Nothing was changed.`,
    fix: `Give this app its own layers directory (--layers-dir <another dir>, or leave it out for ${shellQuote(`${appDir}/.pybp/layers`)}). If this is the same app moved from ${other}, build once with --clear-cache to make the layers again for its new place.`,
  };
}
