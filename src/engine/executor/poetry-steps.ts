// Build steps for a Poetry app (spec §7.6, §7.7): the poetry layer, then the
// cached venv and `poetry sync --only main`.
import { POETRY_VERSION } from '../versions.js';
import { applyLayerEnv, writeLayerEnv } from '../cnb/layer-env.js';
import type { BuildContext } from './context.js';
import { resolveOnPath, toolLayerStep } from './bundled-pip.js';
import { createVenv } from './venv.js';

export async function poetryToolStep(ctx: BuildContext, pythonDir: string): Promise<void> {
  await toolLayerStep(ctx, pythonDir, { step: 'poetry', displayName: 'Poetry', version: POETRY_VERSION, code: 'poetry-install-failed' });
}

export async function poetryDependenciesStep(ctx: BuildContext, pythonDir: string): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'poetry-deps', title: 'Installing dependencies using Poetry' });
  const venv = ctx.planned('venv');
  const venvDir = ctx.layerPath('venv');
  const started = Date.now();
  // The venv's metadata is written right after `python -m venv`, before the sync:
  // a reused venv is synced again, so a failed sync is repaired by the next build.
  await ctx.withLayer('poetry-deps', 'venv', (dir) => createVenv(ctx, 'poetry-deps', pythonDir, dir), { reportDone: false });
  await writeLayerEnv(venvDir, venv.def.env(venvDir));
  await applyLayerEnv(ctx.env, venvDir, 'build');

  ctx.info('poetry-deps', 'Running poetry sync --only main');
  const poetry = resolveOnPath('poetry', ctx.env);
  await ctx.runOrFail('poetry-deps', [poetry, 'sync', '--compile', '--only', 'main', '--no-interaction'], (status) => ({
    code: 'poetry-sync-failed',
    title: 'Dependencies could not be installed with Poetry',
    message: `\`poetry sync --only main\` failed (${status}). Poetry's output (last lines below) says why (an outdated poetry.lock or a Python version outside the project's range are common).`,
    fix: 'Run `poetry lock` and `poetry sync --only main` locally with the same Python, commit the lock file, and build again.',
  }));
  await ctx.layerDone('poetry-deps', 'venv', started, true);
}
