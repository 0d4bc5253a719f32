// Build steps for a Poetry app (spec §7.6, §7.7): the poetry layer, then the
// cached venv and `poetry sync --only main`.
import { POETRY_VERSION } from '../core/versions.js';
import type { BuildContext } from './context.js';
import path from 'node:path';
import { toolLayerStep } from './bundled-pip.js';
import { toolByName } from './tool-by-name.js';
import { createVenv } from './venv.js';

export async function poetryToolStep(ctx: BuildContext): Promise<void> {
  await toolLayerStep(ctx, { step: 'poetry', displayName: 'Poetry', version: POETRY_VERSION, code: 'poetry-install-failed' });
}

export async function poetryDependenciesStep(ctx: BuildContext): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'poetry-deps', title: 'Installing dependencies using Poetry' });
  // The venv's metadata is written right after `python -m venv`, before the sync:
  // a reused venv is synced again, so a failed sync is repaired by the next build.
  const venv = await ctx.layer('venv').ensure('poetry-deps', (dir) => createVenv(ctx, 'poetry-deps', dir));

  ctx.info('poetry-deps', "Running 'poetry sync --only main'");
  const poetry = toolByName(ctx, 'poetry-deps', 'poetry', path.join(ctx.layerPath('poetry'), 'bin'));
  await ctx.runOrFail('poetry-deps', [poetry, 'sync', '--compile', '--only', 'main', '--no-interaction'], (status) => ({
    code: 'poetry-sync-failed',
    title: 'Dependencies could not be installed with Poetry',
    message: `\`poetry sync --only main\` failed (${status}). Poetry's output (last lines below) says why (an outdated poetry.lock or a Python version outside the project's range are common).`,
    fix: 'Run `poetry lock` and `poetry sync --only main` locally with the same Python, commit the lock file, and build again.',
  }));
  await venv.done();
}
