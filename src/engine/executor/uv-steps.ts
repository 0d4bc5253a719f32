// Build steps for a uv app (spec §7.8–§7.10): the uv layer, then the uv-cache
// and venv layers and `uv sync --locked`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ArchiveDownloadError, downloadArchive } from '../io/archive-download.js';
import { PybpError } from '../core/errors.js';
import { hostTarget, unameArch } from '../core/target.js';
import { UV_ARCHIVE_URL_TEMPLATE, UV_VERSION } from '../core/versions.js';
import type { BuildContext } from './context.js';
import type { Env } from '../store/layer-env.js';
import type { StepId } from '../core/events.js';
import { locateBundledPip, pipBootstrap } from './bundled-pip.js';
import { toolByName } from './tool-by-name.js';
import { verifyUvBinary } from '../tools/verify-uv.js';
import { createVenv } from './venv.js';
import { makeScratchDir, removeScratchDir } from '../io/scratch-dir.js';

export async function uvToolStep(ctx: BuildContext): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'uv', title: 'Installing uv' });
  await ctx.layer('uv').ensureDone('uv', async (layerDir) => {
    const binDir = path.join(layerDir, 'bin');
    await fs.mkdir(binDir, { recursive: true });
    if (ctx.plan.context.config.config.tools.uv.source === 'astral') {
      ctx.info('uv', `Installing uv ${UV_VERSION} (from Astral's release archive)`);
      await downloadUv(ctx, binDir);
    } else {
      ctx.info('uv', `Installing uv ${UV_VERSION} (from the uv wheel on the package index)`);
      const wheel = await locateBundledPip(ctx.pythonDir, ctx.plan.analysis.python.resolved);
      await uvFromWheel(ctx, 'uv', binDir, { wheel, env: { ...ctx.env } });
    }
    // From a hash-checked wheel or Astral's archive: either way the binary must be one of uv's own.
    verifyUvBinary(path.join(binDir, 'uv'), ctx.plan.context.hostEnv);
  });
}

/**
 * The same uv binary as Astral's archive, taken from PyPI's `uv` wheel (works where only a package index is
 * reachable), installed with `wheel` (a bundled pip) by the `python` on `bootstrap.env`'s PATH.
 */
export async function uvFromWheel(ctx: BuildContext, step: StepId, binDir: string, bootstrap: { wheel: string; env: Env; pybp?: boolean }): Promise<void> {
  // Beside binDir (in the layer, or in pybp's own temporary tool dir), not in /tmp: a sandboxed pip has a private /tmp.
  const tmp = await makeScratchDir('.pybp-uv-wheel-', path.dirname(binDir));
  try {
    await pipBootstrap(ctx, step, {
      wheel: bootstrap.wheel,
      requirement: `uv==${UV_VERSION}`,
      env: bootstrap.env,
      target: tmp,
      code: 'uv-install-failed',
      toolName: 'uv',
      pybp: bootstrap.pybp,
    });
    for (const name of ['uv', 'uvx']) {
      const src = path.join(tmp, 'bin', name);
      try {
        await fs.copyFile(src, path.join(binDir, name));
        await fs.chmod(path.join(binDir, name), 0o755);
      } catch (err) {
        if (name === 'uv') {
          throw new PybpError({
            code: 'uv-install-failed',
            title: 'uv could not be installed',
            message: `The uv wheel did not contain bin/${name} (${(err as Error).message}).`,
            fix: 'Check that the package index (tools.indexUrl) serves the real uv wheel for this platform, or set tools.uv.source to "astral".',
          });
        }
      }
    }
  } finally {
    await removeScratchDir(tmp);
  }
}

/** Astral's uv archive for this machine, unpacked into binDir (uv and uvx). */
export async function downloadUv(ctx: BuildContext, binDir: string): Promise<void> {
  const template = ctx.plan.context.config.config.tools.uv.archiveUrlTemplate ?? UV_ARCHIVE_URL_TEMPLATE;
  // uv runs on the build machine, never on the target: the buildpack runs on
  // its target, so its uv is the build machine's arch. A local build for
  // another arch (--target heroku-24/arm64 on amd64) still needs this machine's uv.
  const url = template.replaceAll('{version}', UV_VERSION).replaceAll('{uname_arch}', unameArch(hostTarget().arch));
  try {
    await downloadArchive({
      url,
      tarArgs: ['-xz', '--strip-components=1', '-C', binDir],
      signal: ctx.signal,
      what: `Downloading uv ${UV_VERSION} from ${url}`,
    });
  } catch (err) {
    if (!(err instanceof ArchiveDownloadError)) throw err;
    const failure = err.failure;
    if (failure.kind === 'unpack') {
      throw new PybpError(
        {
          code: 'uv-unpack-failed',
          title: 'The uv archive could not be unpacked',
          message: `Unpacking ${url} into ${binDir} failed: ${failure.detail}.`,
          fix: 'Check the disk has room and try again.',
          details: failure.stderr.slice(-20),
        },
        { cause: err },
      );
    }
    throw new PybpError(
      {
        code: 'uv-download-failed',
        title: 'uv could not be downloaded',
        message: `Downloading ${url} failed: ${failure.kind === 'http' ? `the server answered ${failure.describe}` : failure.detail}. Astral serves it from a CDN; this is usually a network problem.`,
        fix: 'Try again (https://www.cloudflarestatus.com shows CDN problems), or use the default tools.uv.source "pypi".',
      },
      { cause: err },
    );
  }
}

export async function uvDependenciesStep(ctx: BuildContext): Promise<void> {
  ctx.emit({ type: 'step-started', step: 'uv-deps', title: 'Installing dependencies using uv' });
  // uv-cache: as pip-cache, its time is opening it; its size is measured after
  // uv sync has filled it (measured here it was the empty layer's 42 B).
  const cache = await ctx.layer('uv-cache').ensure('uv-deps');
  cache.stopClock();
  const venv = await ctx.layer('venv').ensure('uv-deps', (dir) => createVenv(ctx, 'uv-deps', dir));

  // uv reads .python-version itself. When a pinned patch is served by another
  // local patch (3.12.13 by 3.12.1), uv would find no matching interpreter:
  // point it at the venv's interpreter, and say so (Heroku never needs this).
  const env = { ...ctx.env };
  const source = ctx.plan.source;
  if (ctx.plan.analysis.python.patchPinned && source?.kind === 'local' && source.substituted) {
    env.UV_PYTHON = ctx.toolPath(path.join(venv.dir, 'bin', 'python'));
    ctx.emit({
      type: 'warning',
      warning: {
        code: 'uv-python-override',
        title: 'uv pointed at the venv interpreter',
        message: `.python-version pins ${ctx.plan.analysis.python.resolved}, which this machine serves with ${source.interpreter?.version}; pybp sets UV_PYTHON=${env.UV_PYTHON} for uv sync so uv accepts it. Heroku does not set this.`,
      },
    });
  }

  ctx.info('uv-deps', "Running 'uv sync --locked --no-default-groups'");
  const uv = toolByName(ctx, 'uv-deps', 'uv', path.join(ctx.layerPath('uv'), 'bin'), env);
  // A reused uv layer is checked again before it runs (a stamp in pybp's state dir makes that a stat).
  // toolByName answers as the tool sees it (/layers/heroku_python/uv/bin/uv with Heroku's paths): checked on the host.
  const uvOnHost = ctx.hostPath(uv);
  if (uvOnHost === path.join(ctx.layerPath('uv'), 'bin', 'uv')) verifyUvBinary(uvOnHost, ctx.plan.context.hostEnv);
  await ctx.runOrFail(
    'uv-deps',
    [uv, 'sync', '--locked', '--no-default-groups', '--color', 'always', '--compile-bytecode', '--no-progress'],
    (status) => ({
      code: 'uv-sync-failed',
      title: 'Dependencies could not be installed with uv',
      message: `\`uv sync --locked --no-default-groups\` failed (${status}). uv's output (last lines below) says why (an out-of-date uv.lock, or a .python-version outside requires-python, are common).`,
      fix: 'Run `uv lock` and `uv sync --locked` locally, commit uv.lock and .python-version, and build again.',
    }),
    { env },
  );
  await venv.done();
  await cache.done();
}
