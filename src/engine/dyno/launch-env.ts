// The environment a dyno would run with after the build (spec §10.3): the base
// environment and config vars, then every launch layer, in lifecycle's order
// (sorted by toml file name, later ones prepended in front).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { baseBuildEnv, execBytes, MAX_EXEC_BYTES } from '../project/build-env.js';
import { PybpError } from '../core/errors.js';
import { applyLayerEnv, type Env } from '../store/layer-env.js';
import { parseLayerToml } from '../store/layer-toml.js';
import { isLayerName } from '../store/control-dir.js';
import { readJournal } from '../store/journal.js';

/**
 * The command and environment together must fit what execve takes (ARG_MAX),
 * or the process could not even start (`spawn E2BIG`). A coded error that
 * names the largest variables, never a value; null when they fit.
 */
export function execSizeProblem(argv: readonly string[], env: Readonly<Record<string, string>>): PybpError | null {
  const entries = Object.entries(env);
  const total = execBytes([...argv, ...entries.map(([k, v]) => `${k}=${v}`)]);
  if (total <= MAX_EXEC_BYTES) return null;
  const largest = entries
    .map(([name, value]) => ({ name, bytes: Buffer.byteLength(value) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((e) => e.name);
  return new PybpError({
    code: 'config-var-too-large',
    title: 'The environment is too large to start the process',
    message:
      `The command and its environment take ${Math.ceil(total / 1024)} KiB (the largest variables: ${largest.join(', ')}); ` +
      `the OS starts a program with at most ${MAX_EXEC_BYTES / 1024 / 1024} MiB of arguments and environment (Linux's ARG_MAX). ` +
      'No value is shown, as config vars may hold secrets.',
    fix: 'Keep large data in files and put their paths in the config vars (.env, the config file\'s env, --env), or remove the ones the app does not need.',
  });
}

/** `toolLayersDir`: the layers as the process sees them (/layers/heroku_python when the build used Heroku's paths). */
export async function launchEnv(layersDir: string, host: NodeJS.ProcessEnv, configVars: Record<string, string>, toolLayersDir: string = layersDir): Promise<Env> {
  const env = baseBuildEnv(host, configVars);
  let entries: string[] = [];
  try {
    entries = await fs.readdir(layersDir);
  } catch {
    // handled below: no venv means no build
  }
  const journal = await readJournal(layersDir);
  const tomls = entries.filter((e) => e.endsWith('.toml') && isLayerName(e.slice(0, -5))).sort();
  let launchLayers = 0;
  for (const toml of tomls) {
    const name = toml.slice(0, -5);
    const tomlPath = path.join(layersDir, toml);
    const parsed = parseLayerToml((await readAppText(tomlPath, 'layer-metadata')) ?? '', tomlPath);
    if (!parsed.types?.launch) continue;
    launchLayers += 1;
    await applyLayerEnv(env, path.join(layersDir, name), 'launch', path.join(toolLayersDir, name));
  }
  if (launchLayers === 0 || !entries.includes('venv.toml') || journal) {
    throw new PybpError({
      code: 'not-built',
      title: 'The app has not been built',
      message: journal
        ? `A build of these layers (${layersDir}) is running or was interrupted, so there is no complete build to run.`
        : `There is no successful build in ${layersDir}.`,
      fix: 'Run `pybp build` first (with the same --layers-dir, if you use one).',
    });
  }
  return env;
}
