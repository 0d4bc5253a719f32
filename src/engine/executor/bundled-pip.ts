// Tools are installed with the pip wheel that ships inside the interpreter
// (ensurepip/_bundled), run as `python <wheel>/pip`: no pip needs to exist yet.
import { accessSync, constants, promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashedRequirementArgs, pipInstallArgv, type HashedTool } from '../tools/pinned-requirements.js';
import { PybpError } from '../core/errors.js';
import type { BuildContext } from './context.js';
import { toolFailure } from './tool-failure.js';
import type { StepId } from '../core/events.js';
import { applyInMemory, type Env } from '../store/layer-env.js';
import { hostTarget, type PathView } from '../io/sandbox.js';

export async function locateBundledPip(pythonLayerDir: string, pythonVersion: string): Promise<string> {
  const [major, minor] = pythonVersion.split('.');
  const dir = path.join(pythonLayerDir, 'lib', `python${major}.${minor}`, 'ensurepip', '_bundled');
  let entries: string[];
  try {
    // The buildpack takes the first match in directory order, unsorted.
    const handle = await fs.opendir(dir);
    entries = [];
    for await (const e of handle) entries.push(e.name);
  } catch (err) {
    throw notFound(dir, (err as Error).message);
  }
  const wheel = entries.find((e) => e.startsWith('pip-'));
  if (!wheel) throw notFound(dir, 'no file starting with "pip-" in it');
  return path.join(dir, wheel);
}

function notFound(dir: string, detail: string): PybpError {
  return new PybpError({
    code: 'bundled-pip-not-found',
    title: "The interpreter's bundled pip was not found",
    message: `pybp looked for the pip wheel in ${dir}: ${detail}. Interpreters built without ensurepip cannot bootstrap pip or Poetry.`,
    fix: 'Use an interpreter with ensurepip (pyenv, uv-managed or python.org builds have it), or rebuild with --clear-cache.',
    details: [detail],
  });
}

/**
 * `python <wheel>/pip install --isolated ...` for a tool, into PYTHONUSERBASE or a --target.
 * uv and Poetry are installed with hash checking (pip's --require-hashes, hashes fixed in pybp's source).
 */
export async function pipBootstrap(
  ctx: BuildContext,
  step: StepId,
  args: {
    wheel: string;
    requirement: string;
    env: Env;
    target?: string;
    code: 'pip-install-failed' | 'poetry-install-failed' | 'uv-install-failed';
    toolName: string;
    /** pybp's own tool (its pinned uv), outside the layers: host paths, no sandbox. */
    pybp?: boolean;
  },
): Promise<void> {
  const hashed: HashedTool | null = args.requirement.startsWith('uv==') ? 'uv' : args.requirement.startsWith('poetry==') ? 'poetry' : null;
  const scratch = hashed === null ? null : await fs.mkdtemp(path.join(os.tmpdir(), 'pybp-hashes-'));
  // The tool sees the wheel and the target where the build's tools see the layers.
  const seen = (p: string) => (args.pybp ? p : ctx.toolPath(p));
  try {
    const requirementArgs = hashed === null || scratch === null ? [args.requirement] : await hashedRequirementArgs(hashed, scratch);
    // `python` is looked up on the build env's PATH: the python layer's.
    const argv = pipInstallArgv({
      python: resolveOnPath('python', args.env, args.pybp ? undefined : ctx.view),
      wheel: seen(args.wheel),
      target: args.target === undefined ? undefined : seen(args.target),
      indexUrl: ctx.plan.context.config.config.tools.indexUrl,
      requirementArgs,
    });
    // The hashes file is pybp's scratch, outside the layers: shown to a sandboxed pip at its own path.
    const result = await ctx.run(step, argv, { env: args.env, pybp: args.pybp, shared: scratch === null ? [] : [scratch] });
    if (result.code !== 0) {
      throw toolFailure('pip', result, {
        code: args.code,
        title: `${args.toolName} could not be installed`,
        message: `Installing ${args.requirement}${hashed ? " (every file checked against the hashes pybp ships with)" : ''} failed (${result.status}). pip's last lines (below) say why; an unreachable package index is a common cause${hashed ? ', and "THESE PACKAGES DO NOT MATCH THE HASHES" means the index served other files than PyPI\'s' : ''}.`,
        fix: 'Try again. If you are offline or behind a mirror, set tools.indexUrl in the pybp config; also check https://status.python.org.',
      });
    }
  } finally {
    if (scratch !== null) await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Resolves a program on the env's PATH, as execvp would for a child: the first
 * executable regular file. With a view, PATH holds the tools' paths: each is
 * looked at on the host, and the tool's path is returned.
 */
export function resolveOnPath(program: string, env: Env, view?: PathView): string {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    // Links followed as the tool sees them: the venv's bin/python links to the python layer at its view path.
    const onHost = view ? hostTarget(view, candidate) : candidate;
    try {
      // Synchronous on purpose: a handful of stats before a long-running tool.
      if (statSync(onHost).isFile()) {
        accessSync(onHost, constants.X_OK);
        return candidate;
      }
    } catch {
      // keep looking
    }
  }
  return program;
}

/**
 * The pip and poetry layers (spec §7.3, §7.6): the tool is installed with the
 * bundled pip, `--user` into the layer. The layer's env is applied in memory
 * for the bootstrap; ensure() then writes it and applies it from disk.
 */
export async function toolLayerStep(
  ctx: BuildContext,
  tool: { step: 'pip' | 'poetry'; displayName: string; version: string; code: 'pip-install-failed' | 'poetry-install-failed' },
): Promise<void> {
  const { step, displayName, version } = tool;
  ctx.emit({ type: 'step-started', step, title: `Installing ${displayName}` });
  const layer = ctx.layer(step);
  await layer.ensureDone(step, async () => {
    ctx.info(step, `Installing ${displayName} ${version}`);
    const wheel = await locateBundledPip(ctx.pythonDir, ctx.plan.analysis.python.resolved);
    const env = { ...ctx.env };
    applyInMemory(env, layer.envFiles(), 'build');
    await pipBootstrap(ctx, step, { wheel, requirement: `${step}==${version}`, env, code: tool.code, toolName: displayName });
  });
}
