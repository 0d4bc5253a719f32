// Which requirements of a pip app have no wheel for the dyno? Asked of the
// pinned uv: `uv pip compile --no-build` for the target platform and CPython,
// in a pybp-owned scratch directory, with no user config. Nothing is built
// (`--no-build`: uv reads only wheel metadata) and nothing from the app runs:
// only named requirements and options that send no traffic reach uv
// (resolver-requirements), and uv asks only the index the user gave (or its
// default), never one the app names.
//
// uv stops at the first package it cannot use; that package is recorded and
// excluded (`--excludes`), and uv asked again, until the rest resolves.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UV_VERSION } from '../../core/versions.js';
import type { PinnedTool } from './pinned-tools.js';
import type { ResolverRequirements } from './resolver-requirements.js';
import { normalizeName } from './locked-packages.js';
import { runTool, type ToolRun } from '../../io/tool-run.js';
import { missingWheels, resolvedPins, uvFailureReason, type MissingWheel } from './uv-no-wheel.js';
import { makeScratchDir, removeScratchDir } from '../../io/scratch-dir.js';

/** Each uv run; a cold resolution of a large app takes a few seconds, a slow index more. */
const RUN_TIMEOUT_MS = 120_000;
/** uv is asked at most this many times (one package without a wheel found per run). */
const MAX_RUNS = 25;
/** At most this many packages not pinned with == are asked about newer versions, within this time. */
const MAX_PROBES = 150;
const PROBE_BUDGET_MS = 60_000;
const PROBES_AT_ONCE = 2;
/** uv's answer when nothing above its pick exists, or another requirement rules it out: no newer version to fear. */
const NO_NEWER = /we can conclude that your requirements are unsatisfiable|cannot be used/;
/** uv offline, missing something it would have had to fetch (a newer version WITH a wheel): not an answer. */
const OFFLINE_MISS = /Network connectivity is disabled|not found in the cache|--offline/;

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
      /** Packages not pinned with == whose newer version (which pip would take) has only an sdist. */
      newer: NewerFromSource[];
      /** Packages not pinned with == that could not be asked about newer versions (time or count limit, uv failed). */
      unprobed: string[];
    }
  | { kind: 'could-not-check'; reason: string };

export interface NewerFromSource {
  name: string;
  /** The newer version uv names, when it names one. */
  version: string | null;
  /** The version uv picked, which has a wheel. */
  uvPicked: string;
}

/** pip's index variables, from the user's own config vars only: uv asks these (or its default, PyPI). */
export interface UserIndex {
  PIP_INDEX_URL?: string;
  PIP_EXTRA_INDEX_URL?: string;
}

export const USER_INDEX_VARS = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL'] as const;

export interface WheelResolutionArgs {
  uv: PinnedTool;
  input: ResolverRequirements;
  target: ResolveTarget;
  /** The build's environment (host base + the user's own config vars): proxies, CA bundles. */
  env: Record<string, string>;
  /** The index the user gave (`--env PIP_INDEX_URL=…`, a --config file's env), as uv's variables; empty: uv's default. */
  index: UserIndex;
  /** A local interpreter uv may query (never one inside the app); null lets uv look on PATH. */
  interpreter: string | null;
  appDir: string;
  signal?: AbortSignal;
}

export async function resolveWheels(args: WheelResolutionArgs): Promise<WheelResolution> {
  const scratch = await makeScratchDir('pybp-doctor-wheels-');
  try {
    const requirementsFile = path.join(scratch, 'requirements.txt');
    const excludesFile = path.join(scratch, 'excludes.txt');
    await writeFile(requirementsFile, args.input.requirements.join('\n') + '\n');
    await mkdir(path.join(scratch, 'home'));
    const env = { ...uvEnv(args.env, scratch, args.appDir, args.index), ...args.uv.env };
    let runs = 0;
    /** One `uv pip compile` with the app's constraints plus `extraConstraints`; every run shares the scratch cache. */
    const compile = async (extraConstraints: string[], offline = false): Promise<ToolRun & { resolvedText?: string }> => {
      const n = runs++;
      const constraintsFile = path.join(scratch, `constraints-${n}.txt`);
      const outputFile = path.join(scratch, `resolved-${n}.txt`);
      await writeFile(constraintsFile, [...args.input.constraints, ...extraConstraints].join('\n') + '\n');
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
        ...(offline ? ['--offline'] : []),
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
      const result = await runTool(argv, { cwd: scratch, env, timeoutMs: RUN_TIMEOUT_MS, signal: args.signal });
      if (result.kind === 'exited' && result.code === 0) return { ...result, resolvedText: await readFile(outputFile, 'utf8').catch(() => '') };
      return result;
    };

    const missing: MissingWheel[] = [];
    let resolved: Array<{ name: string; version: string }> | null = null;
    while (resolved === null) {
      if (runs >= MAX_RUNS) return { kind: 'could-not-check', reason: `uv ${UV_VERSION} still found packages without a wheel after ${MAX_RUNS} tries` };
      await writeFile(excludesFile, missing.map((m) => m.name).join('\n') + '\n');
      const result = await compile([]);
      switch (result.kind) {
        case 'aborted':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} was stopped` };
        case 'not-started':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} could not be started (${result.problem})` };
        case 'timed-out':
          return { kind: 'could-not-check', reason: `uv ${UV_VERSION} did not answer within ${RUN_TIMEOUT_MS / 1000} s` };
      }
      if (result.resolvedText !== undefined) {
        resolved = resolvedPins(result.resolvedText);
        break;
      }
      const known = new Set(missing.map((m) => normalizeName(m.name)));
      const fresh = missingWheels(result.output).filter((m) => !known.has(normalizeName(m.name)));
      if (fresh.length === 0) {
        const so = missing.length > 0 ? ` (after ${missing.map((m) => m.name).join(', ')}, which have no wheel)` : '';
        return { kind: 'could-not-check', reason: `uv ${UV_VERSION} could not resolve the requirements${so}: ${uvFailureReason(result.output)}` };
      }
      missing.push(...fresh);
    }

    // uv took, for each package, the newest version WITH a wheel; pip takes
    // the newest version, and builds it when it has only an sdist. For each
    // package not pinned with ==, ask uv for a version above its pick, with
    // every other package held at uv's pick (so the answer is about this
    // package under the specifiers the others put on it, and quick): "none",
    // or "only ones without a wheel", with or without an sdist.
    const picks = resolved.filter((p) => !args.input.pinned.has(normalizeName(p.name)));
    const outcome: Array<'fine' | 'unprobed' | NewerFromSource> = picks.map(() => 'unprobed');
    const started = Date.now();
    let next = 0;
    const probe = async (): Promise<void> => {
      while (next < picks.length) {
        const i = next++;
        const pick = picks[i];
        if (i >= MAX_PROBES || Date.now() - started > PROBE_BUDGET_MS || args.signal?.aborted) continue;
        const others = resolved.filter((p) => p !== pick).map((p) => `${p.name}==${p.version}`);
        // Offline: the resolution just made cached every index page and wheel
        // metadata this needs; a newer version with only an sdist needs none.
        const result = await compile([...others, `${pick.name}>${pick.version}`], true);
        if (result.kind !== 'exited') continue;
        if (result.code === 0) {
          outcome[i] = 'fine';
          continue;
        }
        const found = missingWheels(result.output).find((m) => normalizeName(m.name) === normalizeName(pick.name));
        if (found?.hasSdist) outcome[i] = { name: pick.name, version: found.version, uvPicked: pick.version };
        else if (found || (NO_NEWER.test(flat(result.output)) && !OFFLINE_MISS.test(flat(result.output)))) outcome[i] = 'fine';
      }
    };
    // Two at once: offline, each run is a little CPU and the cache.
    await Promise.all(Array.from({ length: PROBES_AT_ONCE }, probe));
    const newer = outcome.filter((o): o is NewerFromSource => typeof o === 'object');
    const unprobed = picks.filter((_, i) => outcome[i] === 'unprobed').map((p) => p.name);
    return { kind: 'resolved', resolved, missing, newer, unprobed };
  } finally {
    await removeScratchDir(scratch);
  }
}

/**
 * The build's environment minus anything that would make uv read a user's or
 * the app's config, use a virtualenv, or download a Python; the user's pip
 * index variables become uv's, as Heroku's pip would use them.
 */
export function uvEnv(buildEnv: Record<string, string>, scratch: string, appDir: string, index: UserIndex = {}): Record<string, string> {
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
  if (index.PIP_INDEX_URL) env.UV_INDEX_URL = index.PIP_INDEX_URL;
  if (index.PIP_EXTRA_INDEX_URL) env.UV_EXTRA_INDEX_URL = index.PIP_EXTRA_INDEX_URL;
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

function flat(output: string): string {
  return output.replace(/\n\s+/g, ' ');
}
