// Build step: the python layer (spec §7.2). The rule for reusing it lives in
// layers/python.ts; this file only fills the layer.
import { formatRequested } from '../analysis/python-version-file.js';
import { PybpError } from '../core/errors.js';
import { installPythonLayer } from '../python-source/index.js';
import type { BuildContext } from './context.js';
import { ensurePinnedUv } from './pinned-uv.js';

export async function pythonStep(ctx: BuildContext): Promise<void> {
  const { analysis, source } = ctx.plan;
  const python = analysis.python;
  ctx.emit({ type: 'step-started', step: 'python', title: 'Installing Python' });
  await ctx.layer('python').ensureDone('python', async (layerDir) => {
    if (!source) {
      // planLayers() blocks the plan when the layer must be made and no source was found; this is a guard.
      throw new PybpError({
        code: 'python-interpreter-not-found',
        title: `No interpreter for Python ${python.resolved}`,
        message: `pybp found no way to get Python ${python.resolved}.`,
        fix: `Install one (e.g. \`pyenv install ${formatRequested(python.requested)}\`) and build again.`,
      });
    }
    const from =
      source.kind === 'local'
        ? `the local ${source.interpreter?.version} at ${source.interpreter?.prefix}`
        : source.kind === 'uv'
          ? "uv's python-build-standalone build"
          : source.url;
    ctx.info('python', `Installing Python ${python.resolved} (from ${from})`);
    const pythonConfig = ctx.plan.context.config.config.python;
    const { sizeBytes } = await installPythonLayer(source, layerDir, {
      signal: ctx.signal,
      origin: python.origin,
      onProgress: (msg) => ctx.info('python', msg),
      uv: {
        binary: () => ensurePinnedUv(ctx, 'python'),
        // Through the build's runner: its own process group, stopped by Ctrl-C, its PID recorded.
        run: (argv, env) => ctx.run('python', argv, { env, pybp: true }),
        settings: { mirror: pythonConfig.uvMirror, downloadsJsonUrl: pythonConfig.uvDownloadsJsonUrl },
        hostEnv: ctx.plan.context.hostEnv,
      },
    });
    // Counted while the files were placed: walking 9,000 files again costs 100-300 ms.
    return sizeBytes;
  });
}
