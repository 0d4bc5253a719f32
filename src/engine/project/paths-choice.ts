// Which paths a build's tools see (`--paths`, `build.paths`): Heroku's
// (/layers/heroku_python, /workspace, through bubblewrap: io/sandbox.ts) or
// the host's. One decision, made in resolveContext, so build, explain, doctor
// and run agree on it. The default is heroku wherever the sandbox works, else
// host with a note saying why; asking for heroku where it cannot work is an
// error, never a silent fallback.
import { PybpError } from '../core/errors.js';
import { HEROKU_LAYERS_PATH, type PathsMode, type SandboxTools } from '../io/sandbox.js';
import { BUBBLEWRAP_PACKAGE, type SandboxAvailability, sandboxAvailability } from '../io/sandbox-probe.js';

export interface PathsChoice {
  mode: PathsMode;
  origin: 'default' | 'config' | 'flag';
  /** Set when the default fell back to host: why heroku is not possible here. */
  note: string | null;
}

export interface ChosenPaths {
  choice: PathsChoice;
  /** The sandbox's programs, in heroku mode. */
  tools: SandboxTools | null;
}

export function parsePathsMode(value: string | undefined): PathsMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'heroku' || value === 'host') return value;
  throw new PybpError({
    code: 'usage',
    title: 'Bad --paths',
    message: `--paths must be heroku or host, not ${JSON.stringify(value)}.`,
    fix: 'Use --paths heroku (the layers at /layers/heroku_python and the app at /workspace, as on Heroku; Linux with bubblewrap) or --paths host.',
  });
}

/** The choice, given what the machine can do (separate from the probe for tests). */
export function decidePaths(flag: PathsMode | undefined, config: PathsMode | undefined, available: SandboxAvailability): ChosenPaths {
  const asked = flag ?? config;
  const origin = flag ? 'flag' : config ? 'config' : 'default';
  if (asked === 'host') return { choice: { mode: 'host', origin, note: null }, tools: null };
  if (available.usable) return { choice: { mode: 'heroku', origin, note: null }, tools: available.tools };
  if (asked === 'heroku') throw pathsUnavailable(available.why, origin === 'flag' ? '--paths heroku' : 'build.paths "heroku" in the config');
  return {
    choice: { mode: 'host', origin, note: `the build's tools see this machine's paths, not Heroku's (${HEROKU_LAYERS_PATH}, /workspace): ${available.why}` },
    tools: null,
  };
}

export async function choosePaths(flag: PathsMode | undefined, config: PathsMode | undefined, hostEnv: NodeJS.ProcessEnv): Promise<ChosenPaths> {
  // host asked for: nothing to probe.
  if ((flag ?? config) === 'host') return decidePaths(flag, config, { usable: false, why: '' });
  return decidePaths(flag, config, await sandboxAvailability(hostEnv));
}

export function pathsUnavailable(why: string, asked: string): PybpError {
  return new PybpError({
    code: 'paths-heroku-unavailable',
    title: "Heroku's paths are not available here",
    message: `${asked} asks for the layers at ${HEROKU_LAYERS_PATH} and the app at /workspace, which pybp gives the build's tools with bubblewrap; ${why}.`,
    fix: `Where bwrap is missing, install it (\`apt-get install ${BUBBLEWRAP_PACKAGE}\`, \`dnf install ${BUBBLEWRAP_PACKAGE}\`); where it cannot create a sandbox (a container that forbids user namespaces), allow them; or build with --paths host (macOS always builds with host paths).`,
  });
}
