// Where a command works and with what settings: the app directory, its config,
// the layers directory, the config vars, the target. Resolved once, the same
// way, by build, explain, doctor and run, before any of them looks at the app.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type BuildEnvChoice, buildEnvFor, chooseBuildEnv, configVarsTotalProblem } from './build-env.js';
import { PybpError } from '../core/errors.js';
import { type LoadedConfig, loadConfig, type PythonSource } from './config.js';
import { hostTarget, parseTarget, type Target } from '../core/target.js';
import { checkLayersDir, defaultLayersDir, type LayersDirAccess, locateLayersDir } from '../store/layers-dir.js';
import { pathView, type PathsMode, type PathView, type SandboxTools } from '../io/sandbox.js';
import { choosePaths, type PathsChoice } from './paths-choice.js';

export interface ContextOptions {
  appDir: string;
  layersDir?: string;
  /** `--env KEY=VALUE` flags; they override the config file's `env`. */
  envFlags?: Record<string, string>;
  target?: string;
  pythonSource?: PythonSource;
  configFile?: string;
  hostEnv?: NodeJS.ProcessEnv;
  /** `--host-config`: build with the user's HOME and tool config, not the Heroku-clean environment. */
  hostConfig?: boolean;
  /** `--paths heroku|host`: which paths the build's tools see. */
  paths?: PathsMode;
}

export interface ProjectContext {
  appDir: string;
  layersDir: string;
  /** The layers live in pybp's default place inside the app (`<app>/.pybp/layers`). */
  layersDirIsDefault: boolean;
  /** Where the layers path came from, and whether pybp may use and trust that directory (ownership). */
  layersAccess: LayersDirAccess;
  config: LoadedConfig;
  /** The app's config vars: the config file's `env`, then `--env` flags. */
  configVars: Record<string, string>;
  /** Which environment a build starts from (Heroku-clean or the user's config); composed by buildEnvFor. */
  buildEnv: BuildEnvChoice;
  target: Target;
  pythonSource: PythonSource;
  /** The machine's environment (interpreter search, git); never passed into a build as a whole. */
  hostEnv: NodeJS.ProcessEnv;
  /** Which paths the build's tools see (Heroku's or the host's), what chose it, and why not Heroku's when it fell back. */
  paths: PathsChoice;
  /** The layers and the app, host and view side. */
  view: PathView;
  /** bwrap and env, in heroku mode. */
  sandboxTools: SandboxTools | null;
}

export { defaultLayersDir };

/** Throws a PybpError for pybp's own problems only (a bad config file, a bad --target). */
export async function resolveContext(options: ContextOptions): Promise<ProjectContext> {
  const hostEnv = options.hostEnv ?? process.env;
  // `--layers-dir=` (or `--layers-dir ""`) is a slip, not "the current directory".
  if (options.layersDir !== undefined && options.layersDir.trim() === '') {
    throw new PybpError({
      code: 'usage',
      title: 'Bad --layers-dir',
      message: '--layers-dir was given an empty path.',
      fix: 'Give it a directory (e.g. --layers-dir /tmp/my-layers), or leave it out for the default <app>/.pybp/layers.',
    });
  }
  // By its real path: the same app reached through a symlink is the same app
  // (the same default layers path, so no "moved" rebuild, and the same app in
  // the sidecar).
  const appDir = await realPathOf(path.resolve(options.appDir));
  const config = await loadConfig(appDir, options.configFile);
  // A relative layersDir in the config is relative to the config file. Where
  // the layers are, and whether pybp may use that place (never throws: the
  // app's own problems are reported first). A --layers-dir reached through a
  // symlink is taken by its real path too.
  const located = locateLayersDir(appDir, options.layersDir, config);
  const location = located.source === 'flag' ? { ...located, path: await realPathOf(located.path) } : located;
  const layersAccess = await checkLayersDir(appDir, location, hostEnv);
  const layersDir = layersAccess.location.path;
  const configVars = { ...config.config.env, ...(options.envFlags ?? {}) };
  // Each var was checked where it came in; together they must still fit what a program can be given.
  const tooLarge = configVarsTotalProblem(configVars);
  if (tooLarge) throw tooLarge;
  const target = options.target
    ? parseTarget(options.target, 'flag')
    : config.config.target
      ? parseTarget(config.config.target, 'config')
      : hostTarget();
  const chosen = await choosePaths(options.paths, config.config.build.paths, hostEnv);
  return {
    appDir,
    layersDir,
    layersDirIsDefault: layersDir === defaultLayersDir(appDir),
    layersAccess,
    config,
    configVars,
    buildEnv: chooseBuildEnv(options.hostConfig, config.config.build.hostConfig),
    target,
    pythonSource: options.pythonSource ?? config.config.python.source,
    hostEnv,
    paths: chosen.choice,
    view: pathView(chosen.choice.mode, appDir, layersDir),
    sandboxTools: chosen.tools,
  };
}

/**
 * `p` with every symlink on the way resolved, as far as it exists (the rest,
 * not made yet, is kept as written); `p` itself when even that fails.
 */
async function realPathOf(p: string): Promise<string> {
  let existing = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(existing), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = path.dirname(existing);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === existing) return p;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * The environment a build of this context starts from (base + config vars).
 * `home` is the run's own fresh HOME (build-home.ts), or null with host config.
 */
export function contextBuildEnv(context: ProjectContext, home: string | null): Record<string, string> {
  return buildEnvFor(context.buildEnv, context.hostEnv, context.configVars, context.target, home);
}
