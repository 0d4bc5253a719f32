// The environment a build starts from: Heroku-clean by default (lifecycle's
// variables, a fresh HOME, no pip/uv/Poetry config from the user or the
// machine), the user's HOME and config with host config; config vars last.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseBuildEnv, buildEnvFor, chooseBuildEnv, cleanBuildEnv, stackId } from '../../../src/engine/project/build-env.js';
import { BUILD_HOME_PREFIX, makeBuildHome } from '../../../src/engine/executor/build-home.js';
import type { Target } from '../../../src/engine/core/target.js';

const heroku24: Target = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'host' };

const userShell = {
  PATH: '/home/me/bin:/usr/bin',
  HOME: '/home/me',
  LANG: 'de_DE.UTF-8',
  TERM: 'xterm-256color',
  TMPDIR: '/home/me/tmp',
  XDG_CONFIG_HOME: '/home/me/.cfg',
  XDG_CONFIG_DIRS: '/etc/xdg',
  PIP_INDEX_URL: 'https://corp.example/simple',
  PIP_CONFIG_FILE: '/home/me/pip.conf',
  UV_INDEX_URL: 'https://corp.example/simple',
  POETRY_CONFIG_DIR: '/home/me/.poetry',
  VIRTUAL_ENV: '/home/me/venv',
  HTTPS_PROXY: 'http://proxy:3128',
  no_proxy: 'localhost',
  SSL_CERT_FILE: '/etc/ssl/ca.pem',
  PIP_CERT: '/etc/ssl/ca.pem',
  SECRET_TOKEN: 'x',
};

describe('cleanBuildEnv (the default)', () => {
  const env = cleanBuildEnv(userShell, {}, { home: '/tmp/pybp-home-1', target: heroku24, hostname: 'laptop' });

  it('is lifecycle\'s set: PATH, the fresh HOME, HOSTNAME, CNB_STACK_ID, proxy and CA variables, and what keeps tool config out', () => {
    expect(env).toEqual({
      PATH: '/home/me/bin:/usr/bin',
      HOME: '/tmp/pybp-home-1',
      HOSTNAME: 'laptop',
      CNB_STACK_ID: 'heroku-24',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      SSL_CERT_FILE: '/etc/ssl/ca.pem',
      PIP_CERT: '/etc/ssl/ca.pem',
      // pip reads no config file at all (os.devnull), uv no /etc/xdg/uv/uv.toml.
      PIP_CONFIG_FILE: '/dev/null',
      XDG_CONFIG_DIRS: '/tmp/pybp-home-1/.config-dirs',
    });
  });

  it('never carries the user\'s HOME, LANG, TERM, TMPDIR, XDG_CONFIG_HOME or PIP_*/UV_*/POETRY_* settings', () => {
    for (const name of ['LANG', 'TERM', 'TMPDIR', 'XDG_CONFIG_HOME', 'PIP_INDEX_URL', 'UV_INDEX_URL', 'POETRY_CONFIG_DIR', 'VIRTUAL_ENV', 'SECRET_TOKEN']) {
      expect(env[name], name).toBeUndefined();
    }
    expect(env.HOME).not.toBe(userShell.HOME);
  });

  it('applies config vars last, as lifecycle does: they may set PIP_CONFIG_FILE or HOME, and a PATH is prepended', () => {
    const withVars = cleanBuildEnv(userShell, { PIP_CONFIG_FILE: '/app/pip.conf', PATH: '/opt/bin', PIP_INDEX_URL: 'https://app.example/simple' }, { home: '/h', target: heroku24 });
    expect(withVars.PIP_CONFIG_FILE).toBe('/app/pip.conf');
    expect(withVars.PATH).toBe('/opt/bin:/home/me/bin:/usr/bin');
    expect(withVars.PIP_INDEX_URL).toBe('https://app.example/simple');
  });

  it('has a default PATH when the host has none', () => {
    expect(cleanBuildEnv({}, {}, { home: '/h', target: heroku24 }).PATH).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
});

describe('stackId', () => {
  it('names the Heroku stack of an Ubuntu target, and none for a target that is no Heroku stack', () => {
    expect(stackId({ ...heroku24, distro_version: '22.04' })).toBe('heroku-22');
    expect(stackId({ ...heroku24, arch: 'arm64' })).toBe('heroku-24');
    expect(stackId({ ...heroku24, distro_version: '26.04' })).toBe('heroku-26');
    expect(stackId({ arch: 'arm64', distro_name: 'macos', distro_version: '14.5', origin: 'host' })).toBeNull();
    expect(stackId({ ...heroku24, distro_name: 'debian', distro_version: '12' })).toBeNull();
    expect(cleanBuildEnv({}, {}, { home: '/h', target: { ...heroku24, distro_name: 'debian', distro_version: '12' } }).CNB_STACK_ID).toBeUndefined();
  });
});

describe('host config (build.hostConfig / --host-config)', () => {
  it('is the old base: the user\'s PATH, HOME, LANG, TMPDIR, TERM and network variables, no other shell variable', () => {
    expect(baseBuildEnv(userShell, { A: '1' })).toEqual({
      PATH: '/home/me/bin:/usr/bin',
      HOME: '/home/me',
      LANG: 'de_DE.UTF-8',
      TMPDIR: '/home/me/tmp',
      TERM: 'xterm-256color',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      SSL_CERT_FILE: '/etc/ssl/ca.pem',
      PIP_CERT: '/etc/ssl/ca.pem',
      A: '1',
    });
  });

  it('is chosen by the flag, else the config, else the Heroku-clean default; buildEnvFor composes the chosen one', () => {
    expect(chooseBuildEnv(true, false)).toEqual({ kind: 'host-config', origin: 'flag' });
    expect(chooseBuildEnv(undefined, true)).toEqual({ kind: 'host-config', origin: 'config' });
    expect(chooseBuildEnv(undefined, false)).toEqual({ kind: 'heroku-clean', origin: 'default' });
    expect(buildEnvFor(chooseBuildEnv(true, false), userShell, {}, heroku24, null).HOME).toBe('/home/me');
    expect(buildEnvFor(chooseBuildEnv(false, false), userShell, {}, heroku24, '/h').HOME).toBe('/h');
    expect(() => buildEnvFor(chooseBuildEnv(false, false), userShell, {}, heroku24, null)).toThrow(/own HOME/);
  });
});

describe('makeBuildHome', () => {
  it('makes a private, empty directory in the temp dir and removes it with what tools left in it', async () => {
    const home = await makeBuildHome(tmpdir());
    expect(path.basename(home.dir).startsWith(BUILD_HOME_PREFIX)).toBe(true);
    const info = await stat(home.dir);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
    await mkdir(path.join(home.dir, '.cache', 'pypoetry'), { recursive: true });
    await writeFile(path.join(home.dir, '.cache', 'pypoetry', 'x.whl'), 'x');
    await home.remove();
    await expect(stat(home.dir)).rejects.toMatchObject({ code: 'ENOENT' });
    // A second remove (the build's finally after an error path already removed it) is harmless.
    await home.remove();
  });
});
