import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PybpError } from '../../../src/engine/core/errors.js';
import type { CommandResult } from '../../../src/engine/io/run-command.js';
import {
  findUvInstall,
  installUvPython,
  uvInstallCommand,
  uvPythonAvailability,
  uvPythonDirs,
  uvPythonPlatform,
} from '../../../src/engine/python-source/uv-python.js';
import { tempDir } from './fake-python.js';

const linux = { os: 'linux', arch: 'x86_64' } as const;

describe('uvPythonPlatform / uvPythonAvailability', () => {
  it('knows the platforms python-build-standalone serves, in uv\'s names', () => {
    expect(uvPythonPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'x86_64' });
    expect(uvPythonPlatform('darwin', 'arm64')).toEqual({ os: 'macos', arch: 'aarch64' });
    expect(uvPythonPlatform('win32', 'x64')).toBeNull();
    expect(uvPythonPlatform('linux', 'ppc64')).toBeNull();
  });

  it('is usable unless the platform is unserved or UV_PYTHON_DOWNLOADS=never', () => {
    expect(uvPythonAvailability({}, linux)).toEqual({ usable: true });
    expect(uvPythonAvailability({ UV_PYTHON_DOWNLOADS: 'automatic' }, linux)).toEqual({ usable: true });
    expect(uvPythonAvailability({ UV_PYTHON_DOWNLOADS: 'never' }, linux)).toMatchObject({ usable: false, why: expect.stringContaining('UV_PYTHON_DOWNLOADS=never') as unknown });
    expect(uvPythonAvailability({}, null)).toMatchObject({ usable: false, why: expect.stringContaining('no Python builds') as unknown });
  });
});

describe('uvInstallCommand', () => {
  const dirs = uvPythonDirs({ HOME: '/home/u', XDG_CACHE_HOME: '/c' });

  it("keeps everything in pybp's cache directory", () => {
    expect(dirs).toEqual({ installDir: '/c/pybp/uv-python/installs', cacheDir: '/c/pybp/uv-python/cache', homeDir: '/c/pybp/uv-python/home' });
  });

  it('tells uv to use only pybp-owned places, no config, no shims; passes PATH and the network variables only', () => {
    const { argv, env } = uvInstallCommand({
      uv: '/t/uv',
      version: '3.12.13',
      dirs,
      settings: { mirror: 'http://m/pbs', downloadsJsonUrl: '/lists/pbs.json' },
      hostEnv: { PATH: '/bin', HOME: '/home/u', HTTPS_PROXY: 'http://proxy:3128', SSL_CERT_FILE: '/ca.pem', UV_PYTHON_INSTALL_DIR: '/home/u/mine', XDG_DATA_HOME: '/home/u/.local/share', UV_CONFIG_FILE: '/home/u/uv.toml' },
    });
    expect(argv).toEqual([
      '/t/uv', 'python', 'install', '3.12.13', '--no-bin', '--no-progress', '--color', 'never',
      '--mirror', 'http://m/pbs', '--python-downloads-json-url', '/lists/pbs.json',
    ]);
    expect(env).toEqual({
      PATH: '/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      SSL_CERT_FILE: '/ca.pem',
      HOME: '/c/pybp/uv-python/home',
      UV_NO_CONFIG: '1',
      UV_PYTHON_INSTALL_DIR: '/c/pybp/uv-python/installs',
      UV_CACHE_DIR: '/c/pybp/uv-python/cache',
      UV_PYTHON_DOWNLOADS: 'manual',
    });
  });
});

describe('installUvPython', () => {
  const root = tempDir('uv-python');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const dirs = { installDir: path.join(root, 'installs'), cacheDir: path.join(root, 'cache'), homeDir: path.join(root, 'home') };
  const result = (code: number, tail: string[]): CommandResult => ({ code, signal: null, stdout: '', stderr: '', status: `exit status: ${code}`, tail });

  const fakeInstall = (name: string) => {
    const prefix = path.join(dirs.installDir, name);
    fs.mkdirSync(path.join(prefix, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(prefix, 'bin', 'python3.12'), '');
    return prefix;
  };

  it("returns the exact version's own directory, not uv's minor link or another variant", async () => {
    fs.mkdirSync(dirs.installDir, { recursive: true });
    fakeInstall('cpython-3.12.13+freethreaded-linux-x86_64-gnu');
    const prefix = fakeInstall('cpython-3.12.13-linux-x86_64-gnu');
    fs.symlinkSync(prefix, path.join(dirs.installDir, 'cpython-3.12-linux-x86_64-gnu'));
    fakeInstall('cpython-3.12.13-linux-aarch64-gnu');
    const seen: string[][] = [];
    const got = await installUvPython({
      uv: '/t/uv', version: '3.12.13', dirs, settings: {}, hostEnv: {}, platform: linux,
      run: (argv) => {
        seen.push(argv);
        return Promise.resolve(result(0, []));
      },
    });
    expect(got).toBe(prefix);
    expect(seen).toEqual([['/t/uv', 'python', 'install', '3.12.13', '--no-bin', '--no-progress', '--color', 'never']]);
    expect(await findUvInstall(dirs.installDir, '3.12.14', linux)).toBeNull();
  });

  it('a failed install is python-uv-install-failed with uv\'s output; a version uv does not list is python-uv-version-not-available', async () => {
    const fail = (tail: string[]) =>
      installUvPython({ uv: '/t/uv', version: '3.12.99', dirs, settings: {}, hostEnv: {}, platform: linux, run: () => Promise.resolve(result(2, tail)) }).then(
        () => new PybpError({ code: 'internal-error', title: 'no error', message: 'installUvPython succeeded', fix: '' }),
        (e: unknown) => e as PybpError,
      );
    const network = await fail(['error: Failed to install cpython-3.12.99-linux-x86_64-gnu', '  Caused by: error sending request for url (https://github.com/...)']);
    expect(network).toBeInstanceOf(PybpError);
    expect(network.code).toBe('python-uv-install-failed');
    expect(network.output).toContain('  Caused by: error sending request for url (https://github.com/...)');
    expect(network.fix).toContain('pyenv install 3.12.99');
    const missing = await fail(['error: No download found for request: cpython-3.12.99-linux-x86_64-gnu']);
    expect(missing.code).toBe('python-uv-version-not-available');
    expect(missing.fix).toContain('python.source "local"');
  });
});
