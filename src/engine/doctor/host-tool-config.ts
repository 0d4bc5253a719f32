// `host-tool-config`: pip, uv and Poetry settings on this machine that a local
// build by default does not see (its environment is Heroku-clean: a fresh
// HOME, PIP_CONFIG_FILE=/dev/null, no user shell variables), and that Heroku's
// build never sees. An app that installs only because of them (an index URL,
// credentials, a constraints file in the user's pip.conf) builds here with
// --host-config and fails on Heroku. doctor only asks whether each file
// exists (a regular file, after symlinks); it never opens one, as they may
// hold credentials, and names variables without their values.
import path from 'node:path';
import type { BuildEnvChoice } from '../project/build-env.js';
import { isFile } from '../io/fs.js';
import { pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

const ID = 'host-tool-config';
const AREA = 'heroku readiness';

/** Host variables that pybp passes into a build anyway (CA bundle): not the user's tool config. */
const PASSED = new Set(['PIP_CERT']);

export interface HostToolConfigArgs {
  hostEnv: NodeJS.ProcessEnv;
  buildEnv: BuildEnvChoice;
  /** Where the machine-wide files live: `/` (tests give a temp dir). */
  systemRoot?: string;
  platform?: NodeJS.Platform;
}

export interface HostToolConfig {
  /** Config files that exist, with the tool that reads them. */
  files: Array<{ tool: 'pip' | 'uv' | 'Poetry'; path: string }>;
  /** PIP_*, UV_*, POETRY_* variable names in the user's environment. */
  variables: string[];
  /** /etc/uv/uv.toml: uv reads it even in a Heroku-clean build (only UV_NO_CONFIG, which also drops the app's own uv settings, would hide it). */
  seenByCleanBuild: string[];
}

/** The files pip, uv and Poetry would read for this user, which exist. */
export async function findHostToolConfig(args: HostToolConfigArgs): Promise<HostToolConfig> {
  const env = args.hostEnv;
  const root = args.systemRoot ?? '/';
  const sys = (...parts: string[]) => path.join(root, ...parts);
  const home = env.HOME || null;
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : home ? path.join(home, '.config') : null;
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter((d) => path.isAbsolute(d)).map((d) => (args.systemRoot ? sys(d) : d));
  const macos = (args.platform ?? process.platform) === 'darwin';
  const appSupport = home && macos ? path.join(home, 'Library', 'Application Support') : null;

  const candidates: Array<{ tool: 'pip' | 'uv' | 'Poetry'; path: string }> = [];
  const add = (tool: 'pip' | 'uv' | 'Poetry', p: string | null) => {
    if (p !== null && !candidates.some((c) => c.path === p)) candidates.push({ tool, path: p });
  };
  // pip (`pip config debug`): global, then user; PIP_CONFIG_FILE names one more.
  for (const dir of configDirs) add('pip', path.join(dir, 'pip', 'pip.conf'));
  add('pip', sys('etc', 'pip.conf'));
  if (macos) add('pip', sys('Library', 'Application Support', 'pip', 'pip.conf'));
  if (home) add('pip', path.join(home, '.pip', 'pip.conf'));
  if (configHome) add('pip', path.join(configHome, 'pip', 'pip.conf'));
  if (appSupport) add('pip', path.join(appSupport, 'pip', 'pip.conf'));
  if (env.PIP_CONFIG_FILE && env.PIP_CONFIG_FILE !== '/dev/null') add('pip', env.PIP_CONFIG_FILE);
  // uv: user, then system (the first XDG_CONFIG_DIRS entry with one, else /etc/uv/uv.toml).
  if (configHome) add('uv', path.join(configHome, 'uv', 'uv.toml'));
  for (const dir of configDirs) add('uv', path.join(dir, 'uv', 'uv.toml'));
  const etcUv = sys('etc', 'uv', 'uv.toml');
  add('uv', etcUv);
  // Poetry: its config directory (POETRY_CONFIG_DIR, else platformdirs' user config dir).
  const poetryDir = env.POETRY_CONFIG_DIR || (appSupport ? path.join(appSupport, 'pypoetry') : configHome ? path.join(configHome, 'pypoetry') : null);
  if (poetryDir) for (const name of ['config.toml', 'auth.toml']) add('Poetry', path.join(poetryDir, name));

  const present = await Promise.all(candidates.map((c) => isFile(c.path)));
  const files = candidates.filter((_, i) => present[i]);
  const variables = Object.keys(env)
    .filter((name) => /^(PIP|UV|POETRY)_/.test(name) && !PASSED.has(name) && env[name] !== undefined)
    .sort();
  return { files, variables, seenByCleanBuild: files.filter((f) => f.path === etcUv).map((f) => f.path) };
}

export async function checkHostToolConfig(args: HostToolConfigArgs): Promise<DoctorCheck> {
  const found = await findHostToolConfig(args);
  if (found.files.length === 0 && found.variables.length === 0) {
    return pass(ID, AREA, 'No pip, uv or Poetry config on this machine that Heroku\'s build would not see (config files and PIP_*/UV_*/POETRY_* variables).');
  }
  const parts: string[] = [];
  if (found.files.length > 0) parts.push(`config files ${found.files.map((f) => `${f.path} (${f.tool})`).join(', ')}`);
  if (found.variables.length > 0) parts.push(`variables ${found.variables.join(', ')} in your environment`);
  const what = parts.join(', and ');
  const host = args.buildEnv.kind === 'host-config';
  const chosenBy = args.buildEnv.origin === 'flag' ? '--host-config' : 'build.hostConfig';
  const message = host
    ? `This machine has ${what}. Local builds use your HOME and tool config (${chosenBy}), so the config files can change what they install; Heroku's build sees none of it.`
    : `This machine has ${what}. Heroku's build sees none of it, and neither does a local build (its environment is Heroku-clean: a fresh HOME, no pip config, no shell variables)` +
      (found.seenByCleanBuild.length > 0 ? `, except ${found.seenByCleanBuild.join(', ')}, which uv reads in any environment` : '') +
      '. If the app installs only with these settings (an index URL, credentials, constraints), it will not build on Heroku.';
  const fix =
    'Put what the app needs into the app: config vars (`heroku config:set PIP_INDEX_URL=...`, here `--env` or the config file\'s env), ' +
    'the app\'s pyproject.toml ([tool.uv], [[tool.poetry.source]]) or requirements.txt (--index-url). ' +
    (host ? `Drop ${chosenBy} to build as Heroku does.` : 'pybp build --host-config builds with your config, to compare.');
  return warn(ID, AREA, message, fix);
}
