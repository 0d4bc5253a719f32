// `python -m venv --without-pip` with the python layer's interpreter, for every
// package manager (not `uv venv`, which adds import hooks).
import path from 'node:path';
import type { BuildContext } from './context.js';
import type { StepId } from '../core/events.js';

export async function createVenv(ctx: BuildContext, step: StepId, venvDir: string): Promise<void> {
  ctx.info(step, 'Creating virtual environment');
  // -I (isolated): the cwd is the app dir, and `-m` would put it first on
  // sys.path, so an app's own venv.py would stand in for the stdlib's.
  await ctx.runOrFail(step, [ctx.toolPath(path.join(ctx.pythonDir, 'bin', 'python')), '-I', '-m', 'venv', '--without-pip', ctx.toolPath(venvDir)], (status) => ({
    code: 'venv-create-failed',
    title: 'The virtual environment could not be created',
    message: `\`python -m venv\` failed (${status}). Its output (last lines below) says why.`,
    fix: 'Check the disk has room and the layers directory is writable; then build again, or with --clear-cache.',
  }));
}
