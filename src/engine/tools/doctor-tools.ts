// doctor's own copy of the pinned uv: when a check needs uv 0.11.33 and
// neither a trusted layer nor pybp's tool cache has it, doctor installs it
// into pybp's tool cache the way a build installs it (the bundled pip of a
// local Python, `--require-hashes` against the hashes in pybp's source, the
// binary checked again), from PyPI or the tools.indexUrl of a config file the
// user named with --config: never from anything the app's own files say
// (its config, its interpreters). `doctor --offline` never downloads.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEWEST_SUPPORTED_MINOR, OLDEST_SUPPORTED_MINOR, POETRY_VERSION, UV_VERSION } from '../core/versions.js';
import { checkCacheDirIfPresent, ownCacheDir, ownStateDir, pinnedPoetryDir, pinnedUvDir } from '../io/cache-dir.js';
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
async function bootstrapPip(hostEnv: NodeJS.ProcessEnv, appDir: string): Promise<{ python: string; wheel: string; minor: string } | null> {
  for (let minor = NEWEST_SUPPORTED_MINOR; minor >= OLDEST_SUPPORTED_MINOR; minor--) {
    for (const interpreter of await findLocalInterpreters({ major: 3, minor }, { env: hostEnv, home: hostEnv.HOME || os.homedir(), inspectOnly: { appDir } })) {
      const bundled = path.join(interpreter.prefix, 'lib', `python3.${minor}`, 'ensurepip', '_bundled');
      const names = await fs.readdir(bundled).catch(() => [] as string[]);
      const wheel = names.find((n) => n.startsWith('pip-') && n.endsWith('.whl'));
      if (wheel) return { python: interpreter.executable, wheel: path.join(bundled, wheel), minor: `3.${minor}` };
    }
  }
  return null;
}

function lastLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-2).join(' ') || 'no output';
}

// doctor's own Poetry (for `poetry check --lock`): installed like the poetry
// layer (bundled pip, --require-hashes against POETRY_REQUIREMENTS) with
// `--target` into <cache>/tools/poetry-<v>-py3.<minor>/, run by that local
// interpreter with -I. Poetry is thousands of Python files, not one binary
// with a known hash: what pybp installed is recorded right after the install
// (every file's path, size, inode, mtime and ctime) in its state dir, outside
// the cache, and a copy that no longer matches is installed again, never run.

export type DoctorPoetry = { ok: true; argv: string[]; where: string } | { ok: false; why: string };

interface PoetryManifest {
  version: 1;
  python: string;
  files: Record<string, string>;
}

function manifestFile(dir: string, hostEnv: NodeJS.ProcessEnv): string {
  return path.join(ownStateDir('verified-tools', hostEnv), `${path.basename(dir)}-${createHash('sha256').update(dir).digest('hex').slice(0, 24)}.json`);
}

/** Every entry under `dir` with what identifies its content (a file not written since: same size, inode, mtime, ctime). */
async function treeManifest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.join(rel, entry.name);
      const st = await fs.lstat(path.join(dir, name), { bigint: true });
      if (st.isDirectory()) {
        out[`${name}/`] = `d:${st.mode}`;
        await walk(name);
      } else {
        out[name] = [st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : 'x', st.mode, st.size, st.ino, st.mtimeNs, st.ctimeNs].join(':');
      }
    }
  };
  await walk('');
  return out;
}

async function poetryCopyHolds(dir: string, python: string, hostEnv: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const recorded = JSON.parse(await fs.readFile(manifestFile(dir, hostEnv), 'utf8')) as PoetryManifest;
    if (recorded.version !== 1 || recorded.python !== python) return false;
    const now = await treeManifest(dir);
    const keys = Object.keys(now);
    return keys.length === Object.keys(recorded.files).length && keys.every((k) => recorded.files[k] === now[k]);
  } catch {
    return false;
  }
}

function poetryArgv(python: string, dir: string): string[] {
  // -I: no PYTHONPATH, no user site, no current directory on sys.path; only pybp's copy is added.
  // -B: no .pyc written into the copy, whose every file is recorded.
  return [python, '-I', '-B', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); from poetry.console.application import main; sys.exit(main())`];
}

/** pybp's own Poetry, verified against the record of its install, else installed now (not with --offline). */
export async function doctorPoetry(hostEnv: NodeJS.ProcessEnv, policy: ToolInstallPolicy & { appDir: string; install: boolean }): Promise<DoctorPoetry> {
  const bootstrap = await bootstrapPip(hostEnv, policy.appDir);
  if (bootstrap === null) return { ok: false, why: `no local Python 3.${OLDEST_SUPPORTED_MINOR}+ with a bundled pip to run Poetry with` };
  const dir = `${pinnedPoetryDir(hostEnv)}-py${bootstrap.minor}`;
  checkCacheDirIfPresent('tools', hostEnv);
  if (await poetryCopyHolds(dir, bootstrap.python, hostEnv)) return { ok: true, argv: poetryArgv(bootstrap.python, dir), where: `${dir} (pybp's own copy)` };
  if (!policy.install) return { ok: false, why: `pybp's own Poetry ${POETRY_VERSION} is not installed` };
  if (policy.offline) return { ok: false, why: `--offline: pybp does not download Poetry ${POETRY_VERSION}` };
  ownCacheDir('tools', hostEnv);
  policy.onProgress?.(`Installing Poetry ${POETRY_VERSION} into ${dir} (from ${policy.indexUrl ?? 'PyPI'}, every file checked against pybp's hashes)`);
  const tmp = await fs.mkdtemp(`${dir}.pybp-tmp-`);
  try {
    const target = path.join(tmp, 'lib');
    const home = path.join(tmp, 'home');
    await fs.mkdir(home);
    const argv = pipInstallArgv({ python: bootstrap.python, wheel: bootstrap.wheel, target, indexUrl: policy.indexUrl, requirementArgs: await hashedRequirementArgs('poetry', tmp) });
    const env: Record<string, string> = { PATH: hostEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, PIP_CONFIG_FILE: '/dev/null' };
    for (const name of NETWORK_HOST_VARS) if (hostEnv[name] !== undefined) env[name] = hostEnv[name]!;
    const run = await runTool(argv, { cwd: tmp, env, timeoutMs: INSTALL_TIMEOUT_MS, signal: policy.signal });
    if (run.kind !== 'exited' || run.code !== 0) {
      const why = run.kind === 'exited' ? lastLine(run.output) : run.kind === 'not-started' ? run.problem : run.kind === 'timed-out' ? 'pip did not finish in time' : 'it was stopped';
      return { ok: false, why: `installing Poetry ${POETRY_VERSION} failed (${why})` };
    }
    // The copy that was there (another pybp's, or planted) did not match its record: replaced.
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(target, dir);
    const manifest: PoetryManifest = { version: 1, python: bootstrap.python, files: await treeManifest(dir) };
    const file = manifestFile(dir, hostEnv);
    await fs.writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(manifest), { mode: 0o600 });
    await fs.rename(`${file}.${process.pid}.tmp`, file);
    return { ok: true, argv: poetryArgv(bootstrap.python, dir), where: `${dir} (pybp's own copy, installed just now)` };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}
