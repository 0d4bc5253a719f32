// resolveContext: the one place build, explain, doctor, run and history take
// their app dir, layers dir, config vars and target from.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contextBuildEnv, defaultLayersDir, resolveContext } from '../../../src/engine/project/project-context.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function app(config?: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'pybp context '));
  made.push(root);
  const dir = path.join(root, 'my app');
  await mkdir(dir);
  if (config) await writeFile(path.join(dir, '.buildpackrc.json'), JSON.stringify(config));
  return dir;
}

describe('resolveContext', () => {
  it('defaults: layers in <app>/.pybp/layers, no config vars, the source from the config defaults', async () => {
    const dir = await app();
    const ctx = await resolveContext({ appDir: path.relative(process.cwd(), dir), hostEnv: { PATH: '/bin', HOME: '/home/x', SECRET: 's' } });
    expect(ctx.appDir).toBe(dir);
    expect(ctx.layersDir).toBe(defaultLayersDir(dir));
    expect(ctx.layersDirIsDefault).toBe(true);
    expect(ctx.configVars).toEqual({});
    expect(ctx.pythonSource).toBe('auto');
    // The build starts from the Heroku-clean base: the host's PATH, its own HOME, nothing else of the shell.
    expect(ctx.buildEnv).toEqual({ kind: 'heroku-clean', origin: 'default' });
    const env = contextBuildEnv(ctx, '/tmp/build-home');
    expect(env.PATH).toBe('/bin');
    expect(env.HOME).toBe('/tmp/build-home');
    expect(env.SECRET).toBeUndefined();
  });

  it('build.hostConfig in the config, or --host-config, chooses the user\'s HOME and config', async () => {
    const hostEnv = { PATH: '/bin', HOME: '/home/x', LANG: 'de_DE.UTF-8' };
    const fromConfig = await resolveContext({ appDir: await app({ build: { hostConfig: true } }), hostEnv });
    expect(fromConfig.buildEnv).toEqual({ kind: 'host-config', origin: 'config' });
    expect(contextBuildEnv(fromConfig, null)).toMatchObject({ HOME: '/home/x', LANG: 'de_DE.UTF-8' });
    const fromFlag = await resolveContext({ appDir: await app(), hostEnv, hostConfig: true });
    expect(fromFlag.buildEnv).toEqual({ kind: 'host-config', origin: 'flag' });
    await expect(resolveContext({ appDir: await app({ build: { hostConfig: 'yes' } }) })).rejects.toMatchObject({ code: 'config-invalid' });
  });

  it('a config layersDir is relative to the config file; --layers-dir wins over it', async () => {
    const dir = await app({ layersDir: '../shared layers' });
    const fromConfig = await resolveContext({ appDir: dir });
    expect(fromConfig.layersDir).toBe(path.join(path.dirname(dir), 'shared layers'));
    expect(fromConfig.layersDirIsDefault).toBe(false);
    const fromFlag = await resolveContext({ appDir: dir, layersDir: path.join(dir, 'flag layers') });
    expect(fromFlag.layersDir).toBe(path.join(dir, 'flag layers'));
  });

  it('--env flags override the config file\'s env, and both reach the build env', async () => {
    const dir = await app({ env: { A: 'config', B: 'config' } });
    const ctx = await resolveContext({ appDir: dir, envFlags: { B: 'flag' }, hostEnv: {} });
    expect(ctx.configVars).toEqual({ A: 'config', B: 'flag' });
    expect(contextBuildEnv(ctx, '/tmp/build-home')).toMatchObject({ A: 'config', B: 'flag' });
  });

  it('the target comes from --target, else the config, and says where it came from', async () => {
    const dir = await app({ target: 'heroku-22' });
    expect(await resolveContext({ appDir: dir })).toMatchObject({ target: { distro_version: '22.04', origin: 'config' } });
    expect(await resolveContext({ appDir: dir, target: 'heroku-24' })).toMatchObject({ target: { distro_version: '24.04', origin: 'flag' } });
  });

  it('a bad --target is a usage error', async () => {
    const dir = await app();
    await expect(resolveContext({ appDir: dir, target: 'nonsense' })).rejects.toMatchObject({ code: 'usage' });
  });
});
