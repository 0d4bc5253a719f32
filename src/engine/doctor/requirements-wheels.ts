// Which requirements of a pip app have no wheel for the dyno? Asked of the
// pinned uv: `uv pip compile --no-build` for the target platform and CPython,
// in a pybp-owned scratch directory, with no user config. Nothing is built
// (`--no-build`: uv reads only wheel metadata) and nothing from the app runs:
// only named requirements and index options reach uv (resolver-requirements).
//
// uv stops at the first package it cannot use; that package is recorded and
// excluded (`--excludes`), and uv asked again, until the rest resolves.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UV_VERSION } from '../versions.js';
import type { PinnedTool } from './pinned-tools.js';
import type { ResolverRequirements } from './resolver-requirements.js';
import { runTool } from './tool-run.js';
import { missingWheels, resolvedPins, uvFailureReason, type MissingWheel } from './uv-no-wheel.js';

/** Each uv run; a cold resolution of a large app takes a few seconds, a slow index more. */
const RUN_TIMEOUT_MS = 120_000;
/** uv is asked at most this many times (one package without a wheel found per run). */
const MAX_RUNS = 25;

export interface ResolveTarget {
  /** `x86_64-manylinux_2_39`. */
  pythonPlatform: string;
  /** `3.12.13`. */
  pythonVersion: string;
}

export type WheelResolution =
  | {
      kind: 'resolved';
      /** What uv resolved with wheels (excluding the packages below). */
      resolved: Array<{ name: string; version: string }>;
      /** Packages without a wheel for the target, in the order uv met them. */
      missing: MissingWheel[];
    }
  | { kind: 'could-not-check'; reason: string };

export interface WheelResolutionArgs {
  uv: PinnedTool;
  input: ResolverRequirements;
  target: ResolveTarget;
  /** The build's environment (host base + config vars): proxies, CA bundles, PIP_INDEX_URL. */
  env: Record<string, string>;
  /** A local interpreter uv may query (never one inside the app); null lets uv look on PATH. */
  interpreter: string | null;
  appDir: string;
  signal?: AbortSignal;
}

export async function resolveWheels(args: WheelResolutionArgs): Promise<WheelResolution> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pybp-doctor-wheels-'));
  try {
    const requirementsFile = path.join(scratch, 'requirements.txt');
    const constraintsFile = path.join(scratch, 'constraints.txt');
    const excludesFile = path.join(scratch, 'excludes.txt');
    const outputFile = path.join(scratch, 'resolved.txt');
    await writeFile(requirementsFile, args.input.requirements.join('\n') + '\n');
    await writeFile(constraintsFile, args.input.constraints.join('\n') + '\n');
    await mkdir(path.join(scratch, 'home'));
    const env = uvEnv(args.env, scratch, args.appDir);

    const missing: MissingWheel[] = [];
    for (let run = 0; run < MAX_RUNS; run++) {
      await writeFile(excludesFile, missing.map((m) => m.name).join('\n') + '\n');
      const argv = [
        ...args.uv.argv,
        'pip',
        'compile',
        requirementsFile,
        '--constraints',
        constraintsFile,
        '--excludes',
        excludesFile,
        '--python-platform',
        args.target.pythonPlatform,
        '--python-version',
        args.target.pythonVersion,
        ...(args.interpreter !== null ? ['--python', args.interpreter] : []),
        // uv's requirements files have no --pre; pip's means this.
        ...(args.input.prereleases ? ['--prerelease', 'allow'] : []),
        // Nothing is built, not even for metadata: only wheels are read.
        '--no-build',
        // pip looks at every index for the best version (uv's default stops at the first that has the name).
        '--index-strategy',
        'unsafe-best-match',
        '--no-header',
        '--no-annotate',
        '--color',
        'never',
        '--quiet',
        '--output-file',
        outputFile,
      ];
      const result = await runTool(argv, { cwd: scratch, env: { ...env, ...args.uv.env }, timeoutMs: RUN_TIMEOUT_MS, signal: args.signal });
      switch (result.kind) {
        case 'aborted':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} was stopped` };
        case 'not-started':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} could not be started (${result.problem})` };
        case 'timed-out':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} did not answer within ${RUN_TIMEOUT_MS / 1000} s` };
      }
      if (result.code === 0) {
        const text = await readFile(outputFile, 'utf8').catch(() => '');
        return { kind: 'resolved', resolved: resolvedPins(text), missing };
      }
      const known = new Set(missing.map((m) => m.name.toLowerCase()));
      const fresh = missingWheels(result.output).filter((m) => !known.has(m.name.toLowerCase()));
      if (fresh.length === 0) {
        const so = missing.length > 0 ? ` (after ${missing.map((m) => m.name).join(', ')}, which have no wheel)` : '';
        return { kind: 'could-not-check', reason: `uv ${UV_VERSION} could not resolve the requirements${so}: ${uvFailureReason(result.output)}` };
      }
      missing.push(...fresh);
    }
    return { kind: 'could-not-check', reason: `uv ${UV_VERSION} still found packages without a wheel after ${MAX_RUNS} tries` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The build's environment minus anything that would make uv read a user's or
 * the app's config, use a virtualenv, or download a Python; pip's index
 * config vars become uv's, as Heroku's pip would use them.
 */
export function uvEnv(buildEnv: Record<string, string>, scratch: string, appDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(buildEnv)) {
    if (name.startsWith('UV_') || name === 'VIRTUAL_ENV' || name === 'CONDA_PREFIX' || name.startsWith('PIP_') || name.startsWith('XDG_')) continue;
    env[name] = value;
  }
  // uv looks for an interpreter on PATH when it was given none: never one in the app.
  env.PATH = (buildEnv.PATH ?? '')
    .split(':')
    .filter((dir) => path.isAbsolute(dir) && !isInside(appDir, dir))
    .join(':');
  if (buildEnv.PIP_INDEX_URL) env.UV_INDEX_URL = buildEnv.PIP_INDEX_URL;
  if (buildEnv.PIP_EXTRA_INDEX_URL) env.UV_EXTRA_INDEX_URL = buildEnv.PIP_EXTRA_INDEX_URL;
  env.HOME = path.join(scratch, 'home');
  env.XDG_CONFIG_HOME = path.join(scratch, 'home', '.config');
  env.UV_NO_CONFIG = '1';
  env.UV_CACHE_DIR = path.join(scratch, 'cache');
  env.UV_PYTHON_DOWNLOADS = 'never';
  return env;
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
