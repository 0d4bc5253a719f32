// The buildpack runs `uv sync` and `poetry sync` by NAME, so the first `uv` /
// `poetry` on the build PATH runs: `<layers>/venv/bin` comes before the tool's
// layer there. When a reused venv holds the app's own uv or poetry (the app
// depends on the `uv` or `poetry` package), that one runs on Heroku, and so it
// does here. This is the app's code running in the build, as its dependencies'
// build steps already are. (explain and doctor never come here: explain's dry
// run uses the tool layer's binary, which pybp installed itself.)
import path from 'node:path';
import type { Env } from '../store/layer-env.js';
import type { StepId } from '../core/events.js';
import type { BuildContext } from './context.js';
import { resolveOnPath } from './bundled-pip.js';

/**
 * The `name` a child started with `env` would run (looked up now, just before
 * the spawn). Says so in the build output when it is not the one in `layerBin`.
 */
export function toolByName(ctx: BuildContext, step: StepId, name: 'uv' | 'poetry', layerBin: string, env: Env = ctx.env): string {
  const found = resolveOnPath(name, env, ctx.view);
  const layers = ctx.toolPath(path.join(layerBin, name));
  if (found === layers) return found;
  const venvBin = ctx.toolPath(path.join(ctx.layerPath('venv'), 'bin'));
  ctx.info(
    step,
    path.dirname(found) === venvBin
      ? `The venv has its own ${name} (${found}, installed as one of the app's dependencies): it comes first on the build PATH, so it runs instead of the ${name} layer's, as it would on Heroku`
      : `The first ${name} on the build PATH is ${found}, not the ${name} layer's (${layers}): it runs, as it would on Heroku`,
  );
  return found;
}
