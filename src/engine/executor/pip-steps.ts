// Build steps for a pip app (spec §7.3–§7.5): the pip layer, then the
// pip-cache and venv layers and `pip install -r requirements.txt`.
import { PIP_VERSION } from '../core/versions.js';
import type { BuildContext } from './context.js';
import { resolveOnPath, toolLayerStep } from './bundled-pip.js';
import { createVenv } from './venv.js';

export async function pipToolStep(ctx: BuildContext): Promise<void> {
  await toolLayerStep(ctx, { step: 'pip', displayName: 'pip', version: PIP_VERSION, code: 'pip-install-failed' });
}

export async function pipDependenciesStep(ctx: BuildContext): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'pip-deps', title: 'Installing dependencies using pip' });
  // pip-cache: its metadata is written as soon as it exists (pip only adds to
  // it). Its time is opening it; pip's filling it is the venv's time.
  const cache = await ctx.layer('pip-cache').ensure('pip-deps');
  cache.stopClock();
  const venv = await ctx.layer('venv').ensure('pip-deps', (dir) => createVenv(ctx, 'pip-deps', dir));

  ctx.info('pip-deps', "Running 'pip install -r requirements.txt'");
  const pip = resolveOnPath('pip', ctx.env, ctx.view);
  await ctx.runOrFail('pip-deps', [pip, 'install', '--no-input', '--progress-bar', 'off', '--requirement', 'requirements.txt'], (status) => ({
    code: 'pip-dependencies-failed',
    title: 'Dependencies could not be installed with pip',
    message: `\`pip install -r requirements.txt\` failed (${status}). pip's output (last lines below) says why.`,
    fix: 'Fix requirements.txt (or the package it names) and build again; try the same install in a fresh local venv to reproduce it.',
  }));
  // The venv's time includes the install, as that is what the layer costs; the
  // cache's size is measured now that pip has filled it.
  await venv.done();
  await cache.done();
}
