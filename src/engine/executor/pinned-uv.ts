// pybp's own copy of the pinned uv (UV_VERSION), for work pybp does for
// itself outside any layer (installing an exact Python with `uv python
// install`): <pybp cache>/tools/uv-<version>/bin/uv. Installed once, the way
// the uv layer installs uv (tools.uv.source: the uv wheel with a bundled pip
// and `--target`, or Astral's archive), into a temporary directory that is
// renamed into place: a build killed halfway leaves no half-written uv behind
// to be trusted by the next one.
//
// The wheel needs a Python to run pip. Before the python layer exists that is
// any local interpreter pybp finds (newest minor first) that ships a bundled
// pip; it only runs pip, it does not end up in any layer.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ownCacheDir, pinnedUvDir } from '../io/cache-dir.js';
import { checkUvBinary, verifyUvBinary } from '../tools/verify-uv.js';
import type { Env } from '../store/layer-env.js';
import { PybpError } from '../core/errors.js';
import type { StepId } from '../core/events.js';
import { findLocalInterpreters, type LocalInterpreter } from '../python-source/discover.js';
import { errnoCode } from '../python-source/tree.js';
import { NEWEST_SUPPORTED_MINOR, OLDEST_SUPPORTED_MINOR, UV_VERSION } from '../core/versions.js';
import { locateBundledPip } from './bundled-pip.js';
import type { BuildContext } from './context.js';
import { downloadUv, uvFromWheel } from './uv-steps.js';


/** The pinned uv binary, installed into pybp's tool directory first if it is not there yet. */
export async function ensurePinnedUv(ctx: BuildContext, step: StepId): Promise<string> {
  const hostEnv = ctx.plan.context.hostEnv;
  const dir = pinnedUvDir(hostEnv);
  const uv = path.join(dir, 'bin', 'uv');
  // tools/ is used only when no other user can have written it, and its uv only when it is uv's own binary.
  ownCacheDir('tools', hostEnv);
  if (await isExecutableFile(uv)) {
    const verdict = checkUvBinary(uv, hostEnv);
    if (verdict.ok) return uv;
    // pybp's own cache dir (checked above), so the dir is pybp's to replace: installed again, never run.
    ctx.info(step, `${uv} is not uv ${UV_VERSION}'s own binary (${verdict.why}): not run, installed again`);
    await fs.rm(dir, { recursive: true, force: true });
  }

  const tmp = await fs.mkdtemp(`${dir}.pybp-tmp-`);
  try {
    const binDir = path.join(tmp, 'bin');
    await fs.mkdir(binDir);
    if (ctx.plan.context.config.config.tools.uv.source === 'astral' && process.platform === 'linux') {
      ctx.info(step, `Installing uv ${UV_VERSION} into ${dir} (from Astral's release archive)`);
      await downloadUv(ctx, binDir);
    } else {
      const bootstrap = await bootstrapPython(ctx);
      ctx.info(step, `Installing uv ${UV_VERSION} into ${dir} (from the uv wheel on the package index, with the local Python ${bootstrap.version})`);
      const wheel = await locateBundledPip(bootstrap.prefix, bootstrap.version);
      // pipBootstrap runs the `python` on the env's PATH: a directory holding only that name, for this interpreter.
      const shim = path.join(tmp, 'python-shim');
      await fs.mkdir(shim);
      await fs.symlink(bootstrap.executable, path.join(shim, 'python'));
      const env: Env = { ...ctx.env, PATH: `${shim}${ctx.env.PATH ? `:${ctx.env.PATH}` : ''}` };
      await uvFromWheel(ctx, step, binDir, { wheel, env, pybp: true });
      await fs.rm(shim, { recursive: true, force: true });
    }
    verifyUvBinary(path.join(binDir, 'uv'), hostEnv);
    try {
      await fs.rename(tmp, dir);
    } catch (error) {
      // Another build installed it first: use theirs.
      const code = errnoCode(error);
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await isExecutableFile(uv))) throw error;
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
  verifyUvBinary(uv, hostEnv);
  return uv;
}

/** The newest local interpreter with a bundled pip, to run pip for the uv wheel. */
async function bootstrapPython(ctx: BuildContext): Promise<LocalInterpreter> {
  const python = ctx.plan.context.config.config.python;
  for (let minor = NEWEST_SUPPORTED_MINOR; minor >= OLDEST_SUPPORTED_MINOR; minor--) {
    const found = await findLocalInterpreters(
      { major: 3, minor },
      { pyenvRoot: python.pyenvRoot, extraInterpreters: python.interpreters, env: ctx.plan.context.hostEnv },
    );
    for (const interpreter of found) {
      if (await locateBundledPip(interpreter.prefix, interpreter.version).then(() => true, () => false)) return interpreter;
    }
  }
  throw new PybpError({
    code: 'uv-install-failed',
    title: 'uv could not be installed',
    message: `pybp installs its own uv ${UV_VERSION} (into ${pinnedUvDir(ctx.plan.context.hostEnv)}) with pip from a local Python 3.${OLDEST_SUPPORTED_MINOR}+, and found none with a bundled pip.`,
    fix: `Install any Python 3 (e.g. \`pyenv install 3.${NEWEST_SUPPORTED_MINOR}\`), or set tools.uv.source to "astral" (Linux) to download uv's own archive, or use python.source "local".`,
  });
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
