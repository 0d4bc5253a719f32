// For a venv the next build keeps, what `uv sync` / `poetry sync` will change
// in it, asked of the pinned tool in the layers without changing anything
// (`--dry-run`, offline for uv, no plugins for Poetry, nothing built, a time
// limit). For pip the venv is always made anew: the build report says what
// differs from the last build.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../io/tool-run.js';
import { pairChanges, type PackageChanges } from '../plan/package-changes.js';
import { plannedLayer, type ReadyPlan } from '../plan/plan.js';
import { ownCacheDir } from '../io/cache-dir.js';
import { checkUvBinary } from '../tools/verify-uv.js';
import { contextBuildEnv } from '../project/project-context.js';
import { makeScratchDir, removeScratchDir } from '../io/scratch-dir.js';

const TIMEOUT_MS = 60_000;

export type VenvForecast = { packages: PackageChanges; note: null } | { packages: null; note: string };

/** null when the venv is not kept (made from the lock, or always new), so there is nothing to forecast. */
export async function forecastVenv(plan: ReadyPlan, signal?: AbortSignal): Promise<VenvForecast | null> {
  const venv = plannedLayer(plan.layers, 'venv');
  if (venv.decision.action !== 'reuse') return null;
  const pm = plan.analysis.packageManager;
  if (pm === 'pip') return null;
  const layersDir = plan.context.layersDir;
  const venvDir = path.join(layersDir, 'venv');
  const scratch = await makeScratchDir('pybp-explain-');
  try {
    // The build's environment, with a HOME of its own in the scratch directory (Heroku-clean) or the user's (host config).
    const home = path.join(scratch, 'home');
    await mkdir(home);
    const base = contextBuildEnv(plan.context, home);
    const env: Record<string, string> = { ...base, PATH: `${path.join(venvDir, 'bin')}:${base.PATH ?? ''}` };
    let argv: string[];
    if (pm === 'uv') {
      if (plannedLayer(plan.layers, 'uv').decision.action !== 'reuse') return { packages: null, note: 'uv itself is reinstalled first, so pybp did not ask it' };
      const uv = path.join(layersDir, 'uv', 'bin', 'uv');
      // The layer's uv runs only when it is uv's own binary (as before the build's uv sync).
      const verdict = checkUvBinary(uv, plan.context.hostEnv);
      if (!verdict.ok) return { packages: null, note: `the uv layer's uv was not run: ${verdict.why}` };
      argv = [uv, 'sync', '--dry-run', '--locked', '--no-default-groups', '--offline', '--no-install-project', '--color', 'never'];
      Object.assign(env, {
        UV_PROJECT_ENVIRONMENT: venvDir,
        UV_PYTHON: path.join(venvDir, 'bin', 'python'),
        UV_PYTHON_DOWNLOADS: 'never',
        UV_CACHE_DIR: await dryRunUvCache(plan.context.hostEnv, scratch),
      });
    } else {
      if (plannedLayer(plan.layers, 'poetry').decision.action !== 'reuse') return { packages: null, note: 'Poetry itself is reinstalled first, so pybp did not ask it' };
      argv = [path.join(layersDir, 'python', 'bin', 'python3'), '-m', 'poetry', '--no-plugins', '--no-interaction', '--no-ansi', 'sync', '--dry-run', '--only', 'main', '--no-root'];
      Object.assign(env, {
        VIRTUAL_ENV: venvDir,
        PYTHONUSERBASE: path.join(layersDir, 'poetry'),
        LD_LIBRARY_PATH: path.join(layersDir, 'python', 'lib'),
        POETRY_CACHE_DIR: path.join(scratch, 'poetry-cache'),
      });
    }
    const result = await runTool(argv, { cwd: plan.context.appDir, env, timeoutMs: TIMEOUT_MS, signal });
    const tool = pm === 'uv' ? 'uv sync --dry-run' : 'poetry sync --dry-run';
    if (result.kind !== 'exited') return { packages: null, note: `${tool} did not answer (${result.kind})` };
    if (result.code !== 0) return { packages: null, note: `${tool} failed: ${lastLine(result.output)}` };
    return { packages: pm === 'uv' ? parseUvDryRun(result.output) : parsePoetryDryRun(result.output), note: null };
  } finally {
    await removeScratchDir(scratch);
  }
}

/**
 * The uv cache of explain's dry runs: kept in pybp's cache directory, so uv
 * finds the venv interpreter's facts it asked last time (uv keys them by the
 * interpreter file and its timestamps, and asks again when it changes) instead
 * of running the interpreter again: 62-66 ms -> 23-27 ms per explain here. An
 * offline dry run stores nothing else. Never the layers' uv-cache (explain
 * writes nothing there); a scratch directory when pybp's cannot be made or written.
 */
async function dryRunUvCache(hostEnv: NodeJS.ProcessEnv, scratch: string): Promise<string> {
  // A directory another user could write is refused (pybp-cache-dir-unsafe), not worked around.
  const dir = ownCacheDir('explain-uv-cache', hostEnv);
  try {
    await access(dir, constants.W_OK);
    return dir;
  } catch {
    return path.join(scratch, 'uv-cache');
  }
}

/** uv's plan: ` + name==version` to install, ` - name==version` to uninstall. */
export function parseUvDryRun(output: string): PackageChanges {
  const added: Array<{ name: string; version: string }> = [];
  const removed: Array<{ name: string; version: string }> = [];
  for (const line of output.split('\n')) {
    const m = /^\s*([+-])\s+([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)/.exec(line);
    if (!m) continue;
    (m[1] === '+' ? added : removed).push({ name: m[2], version: m[3] });
  }
  return pairChanges(added, removed);
}

/** Poetry's plan: `- Installing name (v)`, `- Updating name (a -> b)`, `- Downgrading …`, `- Removing name (v)`. */
export function parsePoetryDryRun(output: string): PackageChanges {
  const changes: PackageChanges = { add: [], remove: [], change: [] };
  for (const line of output.split('\n')) {
    const m = /^\s*-\s+(Installing|Updating|Downgrading|Removing)\s+([A-Za-z0-9][A-Za-z0-9._-]*)\s+\(([^)]+)\)(.*)$/.exec(line);
    // "- Installing click (8.3.0): Skipped for the following reason: Already installed"
    if (!m || /skipped/i.test(m[4])) continue;
    const [, verb, name, versions] = m;
    if (verb === 'Installing') changes.add.push({ name, version: versions.trim() });
    else if (verb === 'Removing') changes.remove.push({ name, version: versions.trim() });
    else {
      const [from, to] = versions.split(/\s*->\s*/);
      changes.change.push({ name, from: from.trim(), to: (to ?? '').trim() });
    }
  }
  return changes;
}

function lastLine(output: string): string {
  return output.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0]?.trim() ?? 'no output';
}
