// doctor's own copy of the pinned uv: when a check needs uv 0.11.33 and
// neither a trusted layer nor pybp's tool cache has it, doctor installs it
// into pybp's tool cache the way a build installs it (the bundled pip of a
// local Python, `--require-hashes` against the hashes in pybp's source, the
// binary checked again), from PyPI or the tools.indexUrl of a config file the
// user named with --config: never from anything the app's own files say
// (its config, its interpreters). `doctor --offline` never downloads.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEWEST_SUPPORTED_MINOR, OLDEST_SUPPORTED_MINOR, UV_VERSION } from '../core/versions.js';
import { ownCacheDir, pinnedUvDir } from '../io/cache-dir.js';
import { runTool } from '../io/tool-run.js';
import { findLocalInterpreters } from '../python-source/discover.js';
import { NETWORK_HOST_VARS } from '../project/build-env.js';
import { hashedRequirementArgs, pipInstallArgv } from './pinned-requirements.js';
import { checkUvBinary } from './verify-uv.js';

export interface ToolInstallPolicy {
  /** `doctor --offline`: nothing is downloaded; a missing tool stays missing. */
  offline: boolean;
  /** A package index the user chose (tools.indexUrl of a --config file); undefined: PyPI. */
  indexUrl?: string;
  /** Shown as a progress line while the install runs. */
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export type DoctorUvInstall = { ok: true; uv: string } | { ok: false; why: string };

const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** Installs pybp's pinned uv into its tool cache (nothing is installed when offline). */
export async function installDoctorUv(hostEnv: NodeJS.ProcessEnv, policy: ToolInstallPolicy & { appDir: string }): Promise<DoctorUvInstall> {
  if (policy.offline) return { ok: false, why: `--offline: pybp does not download uv ${UV_VERSION}` };
  const dir = pinnedUvDir(hostEnv);
  ownCacheDir('tools', hostEnv);
  const bootstrap = await bootstrapPip(hostEnv, policy.appDir);
  if (bootstrap === null) return { ok: false, why: `no local Python 3.${OLDEST_SUPPORTED_MINOR}+ with a bundled pip to install uv with` };
  policy.onProgress?.(`Installing uv ${UV_VERSION} into ${dir} (from the uv wheel on ${policy.indexUrl ?? 'PyPI'}, checked against pybp's hashes)`);
  const tmp = await fs.mkdtemp(`${dir}.pybp-tmp-`);
  try {
    const target = path.join(tmp, 'target');
    const home = path.join(tmp, 'home');
    await fs.mkdir(home);
    const argv = pipInstallArgv({ python: bootstrap.python, wheel: bootstrap.wheel, target, indexUrl: policy.indexUrl, requirementArgs: await hashedRequirementArgs('uv', tmp) });
    const env: Record<string, string> = { PATH: hostEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, PIP_CONFIG_FILE: '/dev/null' };
    for (const name of NETWORK_HOST_VARS) if (hostEnv[name] !== undefined) env[name] = hostEnv[name]!;
    const run = await runTool(argv, { cwd: tmp, env, timeoutMs: INSTALL_TIMEOUT_MS, signal: policy.signal });
    if (run.kind !== 'exited' || run.code !== 0) {
      const why = run.kind === 'exited' ? lastLine(run.output) : run.kind === 'not-started' ? run.problem : run.kind === 'timed-out' ? 'pip did not finish in time' : 'it was stopped';
      return { ok: false, why: `installing uv ${UV_VERSION} failed (${why})` };
    }
    const binDir = path.join(tmp, 'bin');
    await fs.mkdir(binDir);
    await fs.copyFile(path.join(target, 'bin', 'uv'), path.join(binDir, 'uv'));
    await fs.chmod(path.join(binDir, 'uv'), 0o755);
    await fs.rm(target, { recursive: true, force: true });
    await fs.rm(home, { recursive: true, force: true });
    const verdict = checkUvBinary(path.join(binDir, 'uv'), hostEnv);
    if (!verdict.ok) return { ok: false, why: `the installed uv failed its check: ${verdict.why}` };
    try {
      await fs.rename(tmp, dir);
    } catch {
      // A copy is there: another pybp's, used if it is uv's own binary; else (planted) replaced, never run.
      if (!checkUvBinary(path.join(dir, 'bin', 'uv'), hostEnv).ok) {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rename(tmp, dir);
      }
    }
    return { ok: true, uv: path.join(dir, 'bin', 'uv') };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A local interpreter with a bundled pip wheel (found where the user's Pythons are, never the app's config). */
async function bootstrapPip(hostEnv: NodeJS.ProcessEnv, appDir: string): Promise<{ python: string; wheel: string } | null> {
  for (let minor = NEWEST_SUPPORTED_MINOR; minor >= OLDEST_SUPPORTED_MINOR; minor--) {
    for (const interpreter of await findLocalInterpreters({ major: 3, minor }, { env: hostEnv, home: hostEnv.HOME || os.homedir(), inspectOnly: { appDir } })) {
      const bundled = path.join(interpreter.prefix, 'lib', `python3.${minor}`, 'ensurepip', '_bundled');
      const names = await fs.readdir(bundled).catch(() => [] as string[]);
      const wheel = names.find((n) => n.startsWith('pip-') && n.endsWith('.whl'));
      if (wheel) return { python: interpreter.executable, wheel: path.join(bundled, wheel) };
    }
  }
  return null;
}

function lastLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-2).join(' ') || 'no output';
}
