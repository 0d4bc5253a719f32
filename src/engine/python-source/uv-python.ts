// The `uv` python source: the exact CPython patch Heroku would install, from
// python-build-standalone (relocatable builds), installed by pybp's pinned uv
// with `uv python install X.Y.Z` into pybp's own directories. Nothing of the
// user's uv is read or written: no uv.toml (UV_NO_CONFIG), no ~/.local/share/uv
// (UV_PYTHON_INSTALL_DIR, and HOME pointed at a pybp-owned directory, since
// uv keeps credentials under the data directory), no shims in ~/.local/bin
// (--no-bin), and its own cache (UV_CACHE_DIR). The installed interpreter is
// then placed into the python layer like any local interpreter.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pybpCacheDir } from '../io/cache-dir.js';
import { ensureOwnDir } from '../io/own-dir.js';
import { NETWORK_HOST_VARS } from '../project/build-env.js';
import { PybpError } from '../core/errors.js';
import type { CommandResult } from '../io/run-command.js';
import { parseResolvedVersion } from './version.js';

/** The platforms python-build-standalone publishes builds for, as uv names them. */
export interface UvPythonPlatform {
  os: 'linux' | 'macos';
  arch: 'x86_64' | 'aarch64';
}

export function uvPythonPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): UvPythonPlatform | null {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'macos' : null;
  const uvArch = arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : null;
  return os && uvArch ? { os, arch: uvArch } : null;
}

/** Whether `auto` may install Python with uv on this machine, and if not, why not (for the reason). */
export type UvPythonAvailability = { usable: true } | { usable: false; why: string };

/**
 * `UV_PYTHON_DOWNLOADS=never` is uv's own, documented way for a user to say
 * "never download a Python": `auto` honours it and uses a local patch instead.
 */
export function uvPythonAvailability(env: NodeJS.ProcessEnv, platform = uvPythonPlatform()): UvPythonAvailability {
  if (!platform) return { usable: false, why: `uv publishes no Python builds for ${process.platform}/${process.arch}` };
  if (env.UV_PYTHON_DOWNLOADS === 'never') return { usable: false, why: 'UV_PYTHON_DOWNLOADS=never forbids uv to download Python' };
  return { usable: true };
}

export interface UvPythonDirs {
  /** UV_PYTHON_INSTALL_DIR: one directory per installed version, e.g. cpython-3.12.13-linux-x86_64-gnu. */
  installDir: string;
  /** UV_CACHE_DIR for these installs. */
  cacheDir: string;
  /** HOME for uv: it keeps credentials and state under its data directory. */
  homeDir: string;
}

export function uvPythonDirs(env: NodeJS.ProcessEnv = process.env): UvPythonDirs {
  const root = path.join(pybpCacheDir(env), 'uv-python');
  return { installDir: path.join(root, 'installs'), cacheDir: path.join(root, 'cache'), homeDir: path.join(root, 'home') };
}

/** Where uv's downloads come from, from the pybp config (python.uvMirror, python.uvDownloadsJsonUrl). */
export interface UvDownloadSettings {
  /** `--mirror`: replaces https://github.com/astral-sh/python-build-standalone/releases/download. */
  mirror?: string;
  /** `--python-downloads-json-url`: a URL or file path of a JSON list of downloads, replacing uv's own. */
  downloadsJsonUrl?: string;
}

export type UvRunner = (argv: string[], env: Record<string, string>) => Promise<CommandResult>;

export interface UvInstallRequest {
  uv: string;
  version: string;
  dirs: UvPythonDirs;
  settings: UvDownloadSettings;
  /** The host environment: PATH, proxies and CA bundles are passed to uv, nothing else. */
  hostEnv: NodeJS.ProcessEnv;
  platform: UvPythonPlatform;
  /** Runs uv as the build runs its tools (process group, Ctrl-C stops it). */
  run: UvRunner;
}

/** The argv and environment of `uv python install`; separate so tests can check what uv is told. */
export function uvInstallCommand(req: Omit<UvInstallRequest, 'run' | 'platform'>): { argv: string[]; env: Record<string, string> } {
  const argv = [req.uv, 'python', 'install', req.version, '--no-bin', '--no-progress', '--color', 'never'];
  if (req.settings.mirror) argv.push('--mirror', req.settings.mirror);
  if (req.settings.downloadsJsonUrl) argv.push('--python-downloads-json-url', req.settings.downloadsJsonUrl);
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'TMPDIR', ...NETWORK_HOST_VARS]) {
    const value = req.hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  Object.assign(env, {
    HOME: req.dirs.homeDir,
    UV_NO_CONFIG: '1',
    UV_PYTHON_INSTALL_DIR: req.dirs.installDir,
    UV_CACHE_DIR: req.dirs.cacheDir,
    // An explicit install must be allowed to download, whatever uv's default becomes.
    UV_PYTHON_DOWNLOADS: 'manual',
  });
  return { argv, env };
}

/** Installs CPython `version` with uv (a no-op when it is already there) and returns its installation prefix. */
export async function installUvPython(req: UvInstallRequest): Promise<string> {
  parseResolvedVersion(req.version);
  // uv-python holds the interpreters layers are made from: never one another user could have written.
  const root = path.dirname(req.dirs.homeDir);
  for (const dir of [req.dirs.homeDir, req.dirs.installDir, req.dirs.cacheDir]) ensureOwnDir('cache', dir, root);
  const { argv, env } = uvInstallCommand(req);
  const result = await req.run(argv, env);
  if (result.code !== 0) throw uvInstallError(req.version, result, req.settings);
  const prefix = await findUvInstall(req.dirs.installDir, req.version, req.platform);
  if (!prefix) {
    throw new PybpError({
      code: 'python-uv-install-failed',
      title: `uv installed no Python ${req.version} pybp can use`,
      message: `\`uv python install ${req.version}\` succeeded, but ${req.dirs.installDir} has no cpython-${req.version}-${req.platform.os}-${req.platform.arch}-* directory with bin/python${versionMinor(req.version)}.`,
      fix: `Delete ${req.dirs.installDir} (pybp's own copy) and build again, or use python.source "local".`,
    });
  }
  return prefix;
}

/**
 * The directory uv made for this version: cpython-X.Y.Z-<os>-<arch>-<libc> (a
 * real directory, not uv's cpython-X.Y-... minor link, and not a
 * +freethreaded or +debug variant).
 */
export async function findUvInstall(installDir: string, version: string, platform: UvPythonPlatform): Promise<string | null> {
  const start = `cpython-${version}-${platform.os}-${platform.arch}-`;
  let names: string[];
  try {
    names = (await fs.readdir(installDir)).filter((n) => n.startsWith(start)).sort();
  } catch {
    return null;
  }
  for (const name of names) {
    const prefix = path.join(installDir, name);
    const st = await fs.lstat(prefix).catch(() => null);
    if (!st?.isDirectory()) continue;
    const exe = await fs.stat(path.join(prefix, 'bin', `python${versionMinor(version)}`)).catch(() => null);
    if (exe?.isFile()) return prefix;
  }
  return null;
}

function versionMinor(version: string): string {
  const v = parseResolvedVersion(version);
  return `${v.major}.${v.minor}`;
}

function uvInstallError(version: string, result: CommandResult, settings: UvDownloadSettings): PybpError {
  const text = result.tail.join('\n');
  const where = settings.downloadsJsonUrl ?? settings.mirror ?? "uv's download list (python-build-standalone on GitHub)";
  const notListed = /no download found|no download is available|no such version|not find.*download/i.test(text);
  const [major, minor] = version.split('.');
  const alternatives = `use a Python installed on this machine (\`pyenv install ${version}\`, then build again; or python.source "local", where another ${major}.${minor}.x stands in)`;
  if (notListed) {
    return new PybpError({
      code: 'python-uv-version-not-available',
      title: `uv has no download of Python ${version}`,
      message: `\`uv python install ${version}\` found no build of Python ${version} for this machine in ${where}.`,
      fix: `Check python.uvDownloadsJsonUrl / python.uvMirror in the pybp config if set; otherwise ${alternatives}.`,
      output: result.tail,
    });
  }
  return new PybpError({
    code: 'python-uv-install-failed',
    title: `uv could not install Python ${version}`,
    message: `\`uv python install ${version}\` failed (${result.status}); uv's last lines (below) say why. A network problem (no connection, a proxy) is the common cause; the download comes from ${where}.`,
    fix: `Check the network connection (and HTTPS_PROXY / SSL_CERT_FILE) and build again, set python.uvMirror to a reachable mirror, or ${alternatives}.`,
    output: result.tail,
  });
}
