import os from 'node:os';
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import { HEROKU_STACKS, isBuildpackTarget, type Target } from '../core/target.js';

// The environment a build starts from. pybp does not pass the user's shell
// into a build: on Heroku the buildpack sees lifecycle's small environment plus
// the app's config vars, and an activated virtualenv (VIRTUAL_ENV) would trip
// the forbidden-variable check. So: a small base, then the app's config vars
// applied by lifecycle's rule (spec §3.1).
//
// Two bases. By default the Heroku-clean one (`heroku-clean`): what lifecycle
// keeps (its BuildEnvIncludelist: HOME, HOSTNAME, CNB_STACK_ID, the proxy
// variables, and the layer path variables), with a HOME made fresh for each
// build as the builder's is, and the user's and the machine's pip, uv and
// Poetry config out of reach. With `build.hostConfig` / `--host-config`
// (`host-config`): the user's HOME, LANG, TMPDIR and TERM, so the user's
// pip.conf, uv.toml and Poetry config apply, as before that setting existed.

/** Host variables that reach a build with host config (and `pybp run`). */
export const BASE_HOST_VARS = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM'] as const;

/** Proxy settings (lifecycle passes them too) and CA bundles (corporate proxies, TLS interception). */
export const NETWORK_HOST_VARS = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'PIP_CERT',
] as const;

/** Layer path variables: a user value is prepended to the existing one. */
const PATH_LIKE = new Set(['PATH', 'LD_LIBRARY_PATH', 'LIBRARY_PATH', 'CPATH', 'PKG_CONFIG_PATH']);

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Which base a build starts from, and what chose it. */
export interface BuildEnvChoice {
  kind: 'heroku-clean' | 'host-config';
  origin: 'default' | 'config' | 'flag';
}

export function chooseBuildEnv(flag: boolean | undefined, config: boolean | undefined): BuildEnvChoice {
  if (flag) return { kind: 'host-config', origin: 'flag' };
  if (config) return { kind: 'host-config', origin: 'config' };
  return { kind: 'heroku-clean', origin: 'default' };
}

/** The host-config base (and `pybp run`'s): PATH, HOME, LANG, TMPDIR, TERM and the network variables from the host, then the config vars. */
export function baseBuildEnv(host: NodeJS.ProcessEnv, configVars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_HOST_VARS, ...NETWORK_HOST_VARS]) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;
  return withConfigVars(env, configVars);
}

export interface CleanEnvOptions {
  /** The build's own HOME: an empty directory pybp made for this build (see build-home.ts). */
  home: string;
  target: Target;
  /** Default: this machine's name (the builder's is its container's). */
  hostname?: string;
}

/**
 * The Heroku-clean base: PATH (the host's: the tools a build may need, such
 * as a C compiler, are found where the user has them), the network variables,
 * HOME = the build's fresh directory, HOSTNAME, CNB_STACK_ID; no LANG, TERM or
 * TMPDIR (lifecycle passes none of them). Then what keeps the machine's config
 * out: PIP_CONFIG_FILE=/dev/null (pip then reads no config file at all: not
 * /etc/pip.conf, /etc/xdg/pip/pip.conf, ~/.config/pip/pip.conf...), and
 * XDG_CONFIG_DIRS pointing into the fresh HOME, so uv reads no
 * /etc/xdg/uv/uv.toml. Poetry's config and cache, and uv's and pip's user
 * config, follow HOME. The app's own `[tool.uv]`, uv.toml and poetry.toml
 * still apply, as on Heroku; so do config vars (they are applied last, and
 * may set any of these).
 */
export function cleanBuildEnv(host: NodeJS.ProcessEnv, configVars: Record<string, string>, options: CleanEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of NETWORK_HOST_VARS) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH = host.PATH || DEFAULT_PATH;
  env.HOME = options.home;
  env.HOSTNAME = options.hostname ?? os.hostname();
  const stack = stackId(options.target);
  if (stack !== null) env.CNB_STACK_ID = stack;
  env.PIP_CONFIG_FILE = '/dev/null';
  env.XDG_CONFIG_DIRS = path.join(options.home, '.config-dirs');
  return withConfigVars(env, configVars);
}

/** `heroku-24` for an Ubuntu 24.04 target; null for a target that is no Heroku stack (macOS, Debian...). */
export function stackId(target: Target): string | null {
  if (!isBuildpackTarget(target)) return null;
  const entry = Object.entries(HEROKU_STACKS).find(([, stack]) => stack.distroVersion === target.distro_version);
  return entry ? entry[0] : null;
}

function withConfigVars(env: Record<string, string>, configVars: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(configVars)) {
    if (PATH_LIKE.has(name) && env[name]) env[name] = `${value}:${env[name]}`;
    else env[name] = value;
  }
  return env;
}

/**
 * The base a build (or explain's and doctor's tool runs) starts from, as
 * chosen. `home` is the run's own fresh HOME (ignored with host config, which
 * uses the user's); a Heroku-clean environment without one is pybp's bug.
 */
export function buildEnvFor(
  choice: BuildEnvChoice,
  host: NodeJS.ProcessEnv,
  configVars: Record<string, string>,
  target: Target,
  home: string | null,
): Record<string, string> {
  if (choice.kind === 'host-config') return baseBuildEnv(host, configVars);
  if (home === null) throw new Error('a Heroku-clean build environment needs its own HOME');
  return cleanBuildEnv(host, configVars, { home, target });
}

/**
 * A config var name, as the config file's `env` accepts it and a shell can export it.
 * `1BAD`, `A B` or a name with a newline would reach the tools as garbage.
 */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses repeatable `--env KEY=VALUE` flags. Errors never show a value: a
 * malformed flag (`API_TOKEN:secret`) is most often a secret with a typo.
 */
export function parseEnvFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  flags.forEach((flag, i) => {
    const which = flags.length > 1 ? `--env number ${i + 1} of ${flags.length}` : 'The --env value';
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env value',
        message: `${which} is not of the form NAME=value. Its text is not shown, as it may hold a secret.`,
        fix: 'Pass each config var as --env NAME=value (repeat the flag for more).',
      });
    }
    const name = flag.slice(0, eq);
    if (!ENV_NAME.test(name)) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env name',
        message: `${which} names ${JSON.stringify(name)}, which is not a valid environment variable name (letters, digits and _, not starting with a digit).`,
        fix: 'Pass each config var as --env NAME=value with a name such as API_TOKEN.',
      });
    }
    out[name] = flag.slice(eq + 1);
  });
  return out;
}
