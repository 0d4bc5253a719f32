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
  await ctx.runOrFail('poetry-deps', [poetry, 'sync', '--compile', '--only', 'main', '--no-interaction'], (status, tail) => ({
    code: 'poetry-sync-failed',
    title: 'Dependencies could not be installed with Poetry',
    message: `\`poetry sync --only main\` failed (${status}). Poetry's output (last lines below) says why (an outdated poetry.lock or a Python version outside the project's range are common).`,
    fix: poetrySyncFix(tail, ctx.plan.analysis.python.resolved),
  }));
  await venv.done();
}

/** The fix for a failed `poetry sync`, by what Poetry said: `poetry lock` only mends a stale lock. */
export function poetrySyncFix(tail: readonly string[], python: string): string {
  const text = tail.join('\n');
  if (/could not be installed|No file\/folder found for package/.test(text)) {
    return 'Poetry installs the app itself as a package and could not find its files: set `package-mode = false` under [tool.poetry] in pyproject.toml if the app is not a package (poetry.lock stays valid), or put its code in the directory named after the project (or list it in [tool.poetry] packages); commit and build again.';
  }
  if (/Current Python version .* is not allowed by the project|requires Python/i.test(text)) {
    return `The project's Python range does not admit Python ${python}: change .python-version to a version it admits, or widen requires-python (or [tool.poetry.dependencies] python) and run \`poetry lock\`; commit and build again.`;
  }
  if (/pyproject\.toml changed significantly|poetry\.lock is not consistent|Run `?poetry lock`? to fix/i.test(text)) {
    return 'Run `poetry lock`, commit poetry.lock with pyproject.toml, and build again.';
  }
  return "Fix what Poetry's output says (try `poetry sync --only main` locally with the same Python), commit, and build again.";
}
