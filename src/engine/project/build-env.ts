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
 * Why a name cannot be a config var, or null. `__proto__` fits the pattern,
 * but a JavaScript object would swallow it (assigning it sets the object's
 * prototype): it would vanish without a word on the way to the process, so it
 * is refused where it comes in. The reason never repeats the name (the caller
 * shows it, inert).
 */
export function envNameProblem(name: string): string | null {
  if (!ENV_NAME.test(name)) return 'is not a valid environment variable name (letters, digits and _, not starting with a digit)';
  if (name === '__proto__') return 'is a name pybp cannot pass on (JavaScript objects treat __proto__ specially); rename the variable';
  return null;
}

/**
 * Linux's MAX_ARG_STRLEN: the longest single string (`NAME=value` and its NUL)
 * execve passes to a program; past it execve fails with E2BIG.
 */
export const MAX_ENV_STRING_BYTES = 128 * 1024;
/**
 * Linux's ARG_MAX with the default 8 MiB stack (a quarter of it): everything
 * execve passes (arguments, environment and one pointer for each).
 */
export const MAX_EXEC_BYTES = 2 * 1024 * 1024;
/** What the config vars may take of that together, leaving the rest to the command, PATH and pybp's own variables. */
export const MAX_CONFIG_VARS_BYTES = 1024 * 1024;

/** What is wrong with a config var's value for passing it to a program, or null. Never quotes the value. */
export function envValueProblem(name: string, value: string): { code: 'invalid' | 'config-var-too-large'; why: string } | null {
  if (value.includes('\0')) return { code: 'invalid', why: 'holds a NUL character, which no environment variable can carry (a program sees the value end there)' };
  const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
  if (bytes > MAX_ENV_STRING_BYTES) {
    return {
      code: 'config-var-too-large',
      why: `is ${Math.ceil(bytes / 1024)} KiB long; the OS gives a program at most 128 KiB per variable (Linux's MAX_ARG_STRLEN), so every process would fail to start (E2BIG)`,
    };
  }
  return null;
}

/** The bytes execve counts for these strings: each with its NUL and its pointer. */
export function execBytes(strings: Iterable<string>): number {
  let total = 0;
  for (const s of strings) total += Buffer.byteLength(s) + 1 + 8;
  return total;
}

/** A config var value too large to pass on, as a coded error naming the variable (never the value). */
export function configVarTooLarge(name: string, where: string, why: string): PybpError {
  return new PybpError({
    code: 'config-var-too-large',
    title: 'A config var is too large to pass on',
    message: `The config var ${name} (${where}) ${why}. Its value is not shown, as it may hold a secret.`,
    fix: 'Keep large data in a file and put its path in the config var (e.g. CERT_FILE=/path/to/cert.pem), or shorten the value.',
  });
}

/** The config vars together are more than a program can be given alongside its command and pybp's own variables. */
export function configVarsTotalProblem(configVars: Readonly<Record<string, string>>): PybpError | null {
  const entries = Object.entries(configVars);
  const total = execBytes(entries.map(([k, v]) => `${k}=${v}`));
  if (total <= MAX_CONFIG_VARS_BYTES) return null;
  const largest = entries
    .map(([k, v]) => ({ name: k, bytes: Buffer.byteLength(v) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((e) => e.name);
  return new PybpError({
    code: 'config-var-too-large',
    title: 'The config vars are too large to pass on',
    message:
      `The config vars take ${Math.ceil(total / 1024)} KiB together (the largest: ${largest.join(', ')}); pybp passes at most ` +
      `${MAX_CONFIG_VARS_BYTES / 1024} KiB of them, as the OS gives a program at most ${MAX_EXEC_BYTES / 1024 / 1024} MiB of arguments and ` +
      `environment (Linux's ARG_MAX) and the command and PATH need their share. No value is shown, as they may hold secrets.`,
    fix: 'Keep large data in files and put their paths in the config vars, or remove config vars the app does not need.',
  });
}

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
    const nameProblem = envNameProblem(name);
    if (nameProblem) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env name',
        message: `${which} names ${JSON.stringify(name)}, which ${nameProblem}.`,
        fix: 'Pass each config var as --env NAME=value with a name such as API_TOKEN.',
      });
    }
    const value = flag.slice(eq + 1);
    const valueProblem = envValueProblem(name, value);
    if (valueProblem?.code === 'config-var-too-large') throw configVarTooLarge(name, 'from --env', valueProblem.why);
    if (valueProblem) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env value',
        message: `The value of ${name} (from --env) ${valueProblem.why}. Its value is not shown, as it may hold a secret.`,
        fix: `Pass ${name} without the NUL character.`,
      });
    }
    out[name] = value;
  });
  return out;
}
