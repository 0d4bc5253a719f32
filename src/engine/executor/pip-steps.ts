// Build steps for a pip app (spec §7.3–§7.5): the pip layer, then the
// pip-cache and venv layers and `pip install -r requirements.txt`.
import { PIP_VERSION } from '../versions.js';
import { applyInMemory, applyLayerEnv, writeLayerEnv } from '../cnb/layer-env.js';
import type { BuildContext } from './context.js';
import { resolveOnPath, toolLayerStep } from './bundled-pip.js';
import { createVenv } from './venv.js';

export async function pipToolStep(ctx: BuildContext, pythonDir: string): Promise<void> {
  await toolLayerStep(ctx, pythonDir, { step: 'pip', displayName: 'pip', version: PIP_VERSION, code: 'pip-install-failed' });
}

export async function pipDependenciesStep(ctx: BuildContext, pythonDir: string): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'pip-deps', title: 'Installing dependencies using pip' });

  // pip-cache: its metadata is written as soon as it exists (pip only adds to it).
  const cache = ctx.planned('pip-cache');
  const cacheStarted = Date.now();
  await ctx.withLayer('pip-deps', 'pip-cache', async () => {}, { reportDone: false });
  const cacheOpenMs = Date.now() - cacheStarted;
  const cacheDir = ctx.layerPath('pip-cache');
  await writeLayerEnv(cacheDir, cache.def.env(cacheDir));
  applyInMemory(ctx.env, cache.def.env(cacheDir), 'build');

  const venv = ctx.planned('venv');
  const venvDir = ctx.layerPath('venv');
  const started = Date.now();
  await ctx.withLayer('pip-deps', 'venv', async (dir) => {
    await createVenv(ctx, 'pip-deps', pythonDir, dir);
  }, { reportDone: false });
  await writeLayerEnv(venvDir, venv.def.env(venvDir));
  await applyLayerEnv(ctx.env, venvDir, 'build');

  ctx.info('pip-deps', 'Running pip install -r requirements.txt');
  const pip = resolveOnPath('pip', ctx.env);
  await ctx.runOrFail('pip-deps', [pip, 'install', '--no-input', '--progress-bar', 'off', '--requirement', 'requirements.txt'], (status) => ({
    code: 'pip-dependencies-failed',
    title: 'Dependencies could not be installed with pip',
    message: `\`pip install -r requirements.txt\` failed (${status}). pip's output (last lines below) says why.`,
    fix: 'Fix requirements.txt (or the package it names) and build again; try the same install in a fresh local venv to reproduce it.',
  }));
  // The venv's time includes the install, as that is what the layer costs; the
  // cache's size is measured now that pip has filled it.
  await ctx.layerDone('pip-deps', 'venv', started, true);
  await ctx.layerDone('pip-deps', 'pip-cache', Date.now() - cacheOpenMs, true);
}
