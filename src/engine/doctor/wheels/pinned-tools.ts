// Where doctor finds the uv and Poetry versions the buildpack pins: in the
// layers a previous pybp build installed (their metadata says the version),
// else (uv) in pybp's own tool directory, else on PATH when `--version` says
// exactly the pinned one. Nothing inside
// the app directory is ever run.
import path from 'node:path';
import { readAppText } from '../../io/app-file.js';
import { parseLayerToml } from '../../store/layer-toml.js';
import { POETRY_VERSION, UV_VERSION } from '../../core/versions.js';
import { runTool } from '../../io/tool-run.js';
import { isFile } from '../../io/fs.js';
import { checkCacheDirIfPresent, pinnedPoetryDir, pinnedUvDir } from '../../io/cache-dir.js';
import { checkUvBinary } from '../../tools/verify-uv.js';
import { doctorPoetry, installDoctorUv, type ToolInstallPolicy } from '../../tools/doctor-tools.js';
import { withScratchDir } from '../../io/scratch-dir.js';

export interface PinnedTool {
  /** argv prefix that runs the tool. */
  argv: string[];
  /** Extra environment the tool needs (the python layer's lib for Poetry's interpreter). */
  env: Record<string, string>;
  /** Where it was found, for messages. */
  where: string;
}

/** `why`: why pybp could not install its own copy either (offline, no index, no Python to run pip). */
export type ToolLookup = { found: true; tool: PinnedTool } | { found: false; searched: string[]; why?: string };

async function layerMetadata(layersDir: string, name: string): Promise<Record<string, unknown> | null> {
  const tomlPath = path.join(layersDir, `${name}.toml`);
  try {
    const text = await readAppText(tomlPath, 'layer-metadata');
    if (text === undefined) return null;
    // [metadata] is a table or absent: anything else is already an error of parseLayerToml.
    return parseLayerToml(text, tomlPath).metadata ?? null;
  } catch {
    return null;
  }
}


/** Candidates for `program` on PATH, skipping directories inside the app. */
async function onPath(program: string, env: NodeJS.ProcessEnv, appDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const rel = path.relative(appDir, dir);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) continue;
    const candidate = path.join(dir, program);
    if (await isFile(candidate)) found.push(candidate);
  }
  return found;
}

async function versionOf(program: string, env: NodeJS.ProcessEnv): Promise<string> {
  // In a scratch directory of pybp's: a `poetry` script is Python, and Python looks in its working directory.
  const result = await withScratchDir('version', (cwd) => runTool([program, '--version'], { cwd, env: stringEnv(env), timeoutMs: 10_000 }));
  return result.kind === 'exited' && result.code === 0 ? result.output.trim() : '';
}

/**
 * Runs the Poetry in a layer's user site with the python layer's interpreter,
 * isolated (-I: no PYTHON* variables, no working directory or script
 * directory on sys.path, no user site of the environment's) and writing no
 * bytecode into the layer (-B); the layer's user site is put where Python
 * would put a user site, before the interpreter's own site-packages.
 */
export const POETRY_ISOLATED_MAIN = [
  'import os, site, sys, sysconfig',
  "user_site = sysconfig.get_path('purelib', f'{os.name}_user', vars={'userbase': sys.argv.pop(1)})",
  "at = next((i for i, p in enumerate(sys.path) if p.endswith('site-packages')), len(sys.path))",
  'sys.path.insert(at, user_site)',
  'site.addsitedir(user_site)',
  'from poetry.console.application import main',
  'sys.exit(main())',
].join('\n');

export function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The pinned uv, only ever a binary whose sha256 is one of uv's own (tools/verify-uv.ts): the last
 * trusted build's layer, pybp's tool cache (refused when another user could write it), uv on PATH;
 * else, given `install`, pybp's own copy installed now (none with --offline).
 */
export async function findPinnedUv(layersDir: string | null, appDir: string, hostEnv: NodeJS.ProcessEnv, install?: ToolInstallPolicy): Promise<ToolLookup> {
  const layerUv = layersDir === null ? null : path.join(layersDir, 'uv', 'bin', 'uv');
  const meta = layersDir === null ? null : await layerMetadata(layersDir, 'uv');
  const rejected: string[] = [];
  const verified = (file: string): boolean => {
    const verdict = checkUvBinary(file, hostEnv);
    if (!verdict.ok) rejected.push(`${file} (not run: ${verdict.why})`);
    return verdict.ok;
  };
  if (layerUv !== null && meta?.uv_version === UV_VERSION && (await isFile(layerUv)) && verified(layerUv)) {
    return { found: true, tool: { argv: [layerUv], env: {}, where: `${layerUv} (installed by the last pybp build)` } };
  }
  // pybp's own copy (executor/pinned-uv.ts or doctor: put there whole by a rename, in pybp's cache, never in an app).
  checkCacheDirIfPresent('tools', hostEnv);
  const toolUv = path.join(pinnedUvDir(hostEnv), 'bin', 'uv');
  if ((await isFile(toolUv)) && verified(toolUv)) {
    return { found: true, tool: { argv: [toolUv], env: {}, where: `${toolUv} (pybp's own copy)` } };
  }
  for (const candidate of await onPath('uv', hostEnv, appDir)) {
    if (checkUvBinary(candidate, hostEnv).ok) return { found: true, tool: { argv: [candidate], env: {}, where: candidate } };
  }
  const searched = [layerUv === null ? 'the layers of a pybp build made here' : `${layerUv} (after a pybp build)`, toolUv, `uv ${UV_VERSION} on PATH`, ...rejected];
  if (install !== undefined) {
    const installed = await installDoctorUv(hostEnv, { ...install, appDir });
    if (installed.ok) return { found: true, tool: { argv: [installed.uv], env: {}, where: `${installed.uv} (pybp's own copy, installed just now)` } };
    return { found: false, searched, why: installed.why };
  }
  return { found: false, searched };
}

/**
 * The pinned Poetry: the last trusted build's layer, pybp's own copy (verified against the record of its
 * install), Poetry on PATH when it says the pinned version; else, given `install`, pybp's own copy installed now.
 */
export async function findPinnedPoetry(layersDir: string | null, appDir: string, hostEnv: NodeJS.ProcessEnv, install?: ToolInstallPolicy): Promise<ToolLookup> {
  const userBase = layersDir === null ? null : path.join(layersDir, 'poetry');
  const python = layersDir === null ? null : path.join(layersDir, 'python', 'bin', 'python3');
  const meta = layersDir === null ? null : await layerMetadata(layersDir, 'poetry');
  if (layersDir !== null && userBase !== null && python !== null && meta?.poetry_version === POETRY_VERSION && (await isFile(python))) {
    // Poetry lives in the layer's user site, run isolated by the python layer's interpreter (POETRY_ISOLATED_MAIN).
    return {
      found: true,
      tool: {
        argv: [python, '-I', '-B', '-c', POETRY_ISOLATED_MAIN, userBase],
        env: { LD_LIBRARY_PATH: path.join(layersDir, 'python', 'lib') },
        where: `${userBase} (installed by the last pybp build)`,
      },
    };
  }
  const own = await doctorPoetry(hostEnv, { offline: true, appDir, install: false });
  if (own.ok) return { found: true, tool: { argv: own.argv, env: {}, where: own.where } };
  for (const candidate of await onPath('poetry', hostEnv, appDir)) {
    if ((await versionOf(candidate, hostEnv)).includes(`version ${POETRY_VERSION})`)) {
      return { found: true, tool: { argv: [candidate], env: {}, where: candidate } };
    }
  }
  const searched = [userBase === null ? 'the layers of a pybp build made here' : `${userBase} (after a pybp build)`, `pybp's own copy in ${pinnedPoetryDir(hostEnv)}-py3.*`, `Poetry ${POETRY_VERSION} on PATH`];
  if (install !== undefined) {
    const installed = await doctorPoetry(hostEnv, { ...install, appDir, install: true });
    if (installed.ok) return { found: true, tool: { argv: installed.argv, env: {}, where: installed.where } };
    return { found: false, searched, why: installed.why };
  }
  return { found: false, searched };
}
