// doctor's `host-tool-config`: the pip, uv and Poetry config on this machine
// that Heroku's build (and pybp's default build) does not see. Hermetic: HOME,
// the XDG variables and the machine-wide root are temp dirs, so this machine's
// own pip config (it has one) changes nothing here.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHostToolConfig, findHostToolConfig } from '../../../src/engine/doctor/host-tool-config.js';
import { runDoctor } from '../../../src/engine/doctor/index.js';
import { check, expectStatus } from './support.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function machine(): Promise<{ home: string; root: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pybp host config '));
  made.push(dir);
  const home = path.join(dir, 'home');
  const root = path.join(dir, 'root');
  await mkdir(home);
  await mkdir(root);
  return { home, root };
}

async function put(file: string, text = 'index-url = "https://user:secret@corp.example/simple"\n'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

const clean = { kind: 'heroku-clean', origin: 'default' } as const;

describe('host-tool-config', () => {
  it('passes on a machine with no pip, uv or Poetry config and no such variables', async () => {
    const { home, root } = await machine();
    const c = await checkHostToolConfig({ hostEnv: { HOME: home, PATH: '/bin', PIP_CERT: '/ca.pem' }, buildEnv: clean, systemRoot: root, platform: 'linux' });
    expect(c.id).toBe('host-tool-config');
    expectStatus(c, 'pass');
  });

  it('names every config file that exists and every PIP_/UV_/POETRY_ variable, never their contents or values', async () => {
    const { home, root } = await machine();
    await put(path.join(home, '.config', 'pip', 'pip.conf'), '[global]\nindex-url = https://user:secret@corp.example/simple\n');
    await put(path.join(home, '.pip', 'pip.conf'));
    await put(path.join(root, 'etc', 'pip.conf'));
    await put(path.join(root, 'etc', 'xdg', 'pip', 'pip.conf'));
    await put(path.join(home, '.config', 'uv', 'uv.toml'));
    await put(path.join(root, 'etc', 'uv', 'uv.toml'));
    await put(path.join(home, '.config', 'pypoetry', 'auth.toml'));
    await put(path.join(home, '.config', 'pypoetry', 'config.toml'));
    const hostEnv = { HOME: home, PIP_EXTRA_INDEX_URL: 'https://user:secret@x/simple', UV_INDEX: 'corp=https://secret@x', POETRY_HTTP_BASIC_CORP_PASSWORD: 'secret' };
    const found = await findHostToolConfig({ hostEnv, buildEnv: clean, systemRoot: root, platform: 'linux' });
    expect(found.files).toEqual([
      { tool: 'pip', path: path.join(root, 'etc', 'xdg', 'pip', 'pip.conf') },
      { tool: 'pip', path: path.join(root, 'etc', 'pip.conf') },
      { tool: 'pip', path: path.join(home, '.pip', 'pip.conf') },
      { tool: 'pip', path: path.join(home, '.config', 'pip', 'pip.conf') },
      { tool: 'uv', path: path.join(home, '.config', 'uv', 'uv.toml') },
      { tool: 'uv', path: path.join(root, 'etc', 'uv', 'uv.toml') },
      { tool: 'Poetry', path: path.join(home, '.config', 'pypoetry', 'config.toml') },
      { tool: 'Poetry', path: path.join(home, '.config', 'pypoetry', 'auth.toml') },
    ]);
    expect(found.variables).toEqual(['PIP_EXTRA_INDEX_URL', 'POETRY_HTTP_BASIC_CORP_PASSWORD', 'UV_INDEX']);
    const c = await checkHostToolConfig({ hostEnv, buildEnv: clean, systemRoot: root, platform: 'linux' });
    expectStatus(c, 'warn');
    expect(c.message).toContain(path.join(home, '.config', 'pip', 'pip.conf'));
    expect(c.message).toContain('PIP_EXTRA_INDEX_URL');
    // /etc/uv/uv.toml is the one file a Heroku-clean local build still sees.
    expect(c.message).toContain(`except ${path.join(root, 'etc', 'uv', 'uv.toml')}, which uv reads in any environment`);
    expect(JSON.stringify(c)).not.toContain('secret');
    expect(c.fix).toContain('--host-config');
  });

  it('follows XDG_CONFIG_HOME and POETRY_CONFIG_DIR; counts only regular files (a directory, a broken link are not config)', async () => {
    const { home, root } = await machine();
    const xdg = path.join(home, 'xdg');
    const poetry = path.join(home, 'poetry-config');
    await put(path.join(xdg, 'pip', 'pip.conf'));
    await put(path.join(poetry, 'config.toml'));
    await mkdir(path.join(xdg, 'uv', 'uv.toml'), { recursive: true });
    await mkdir(path.join(home, '.pip'), { recursive: true });
    await symlink(path.join(home, 'nowhere'), path.join(home, '.pip', 'pip.conf'));
    const found = await findHostToolConfig({ hostEnv: { HOME: home, XDG_CONFIG_HOME: xdg, POETRY_CONFIG_DIR: poetry }, buildEnv: clean, systemRoot: root, platform: 'linux' });
    expect(found.files.map((f) => f.path)).toEqual([path.join(xdg, 'pip', 'pip.conf'), path.join(poetry, 'config.toml')]);
    expect(found.variables).toEqual(['POETRY_CONFIG_DIR']);
  });

  it('says local builds use the config when the build is told to (--host-config or build.hostConfig)', async () => {
    const { home, root } = await machine();
    await put(path.join(home, '.config', 'pip', 'pip.conf'));
    const c = await checkHostToolConfig({ hostEnv: { HOME: home }, buildEnv: { kind: 'host-config', origin: 'config' }, systemRoot: root, platform: 'linux' });
    expectStatus(c, 'warn');
    expect(c.message).toContain('Local builds use your HOME and tool config (build.hostConfig)');
    expect(c.fix).toContain('Drop build.hostConfig');
  });

  it('is part of doctor\'s report', async () => {
    const { home } = await machine();
    const app = path.join(path.dirname(home), 'app');
    await put(path.join(app, 'requirements.txt'), 'tinyweb\n');
    await put(path.join(home, '.config', 'pip', 'pip.conf'));
    const report = await runDoctor({ appDir: app, hostEnv: { HOME: home, PATH: process.env.PATH, GIT_CEILING_DIRECTORIES: path.dirname(app) } });
    const c = check(report, 'host-tool-config');
    expectStatus(c, 'warn');
    expect(c.message).toContain(path.join(home, '.config', 'pip', 'pip.conf'));
  });
});
