// Whether this machine can give a build Heroku's paths (sandbox.ts): Linux,
// `bwrap` on PATH, and a sandbox that actually starts (some containers forbid
// the namespaces bwrap needs). Asked once per pybp process, by running the
// same command line a build runs with `true` in it; nothing is cached on disk.
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from './process.js';
import { pathView, sandboxArgv, type SandboxTools } from './sandbox.js';

export type SandboxAvailability = { usable: true; tools: SandboxTools } | { usable: false; why: string };

/** The package to install, for the note and the error. */
export const BUBBLEWRAP_PACKAGE = 'bubblewrap';

const PROBE_TIMEOUT_MS = 10_000;

function onPath(program: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, program);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // keep looking
    }
  }
  return null;
}

const probes = new Map<string, Promise<SandboxAvailability>>();

/** Memoised per PATH (tests simulate a machine without bwrap by PATH). */
export function sandboxAvailability(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<SandboxAvailability> {
  if (platform !== 'linux') return Promise.resolve({ usable: false, why: `${platform === 'darwin' ? 'macOS' : platform} has no bubblewrap (Linux only)` });
  const key = env.PATH ?? '';
  let probe = probes.get(key);
  if (!probe) {
    probe = probeSandbox(env);
    probes.set(key, probe);
  }
  return probe;
}

async function probeSandbox(env: NodeJS.ProcessEnv): Promise<SandboxAvailability> {
  const bwrap = onPath('bwrap', env);
  if (!bwrap) return { usable: false, why: `bwrap is not on PATH (install the ${BUBBLEWRAP_PACKAGE} package)` };
  const envTool = onPath('env', env) ?? '/usr/bin/env';
  const tools = { bwrap, env: envTool };
  // The trial binds a directory of its own at the view paths, as a build binds the app and the layers.
  // Without one (a TMPDIR this user cannot write) the sandbox cannot be tried: that is the answer, not a crash.
  let dir: string;
  try {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pybp-sandbox-probe-'));
  } catch (error) {
    return { usable: false, why: `pybp could not make a directory to try the sandbox in (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} in ${os.tmpdir()}; check TMPDIR)` };
  }
  try {
    const view = pathView('heroku', dir, dir);
    const end = await runProcess({
      argv: sandboxArgv({ tools, view }, ['true'], view.app.view),
      env: { PATH: env.PATH ?? '/usr/bin:/bin' },
      timeoutMs: PROBE_TIMEOUT_MS,
      graceMs: 0,
      signal: null,
    });
    if (end.kind === 'not-started') return { usable: false, why: `${bwrap} could not be run: ${end.error.message}` };
    if (end.code === 0) return { usable: true, tools };
    const said = end.stderr.toString('utf8').trim().split('\n').slice(-1)[0] ?? '';
    const detail = said.slice(0, 300) || (end.stoppedBy === 'timeout' ? 'it did not finish' : `exit ${end.code ?? end.signal}`);
    return {
      usable: false,
      why: /--ignore-signal|unrecognized option/.test(said)
        ? `${envTool} is too old for the sandbox (coreutils 8.31+ needed: ${detail})`
        : `${bwrap} (${BUBBLEWRAP_PACKAGE}) cannot create a sandbox on this machine (${detail}; a container may forbid user namespaces)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
