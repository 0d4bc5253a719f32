// Config is declarative only: JSON, YAML, package.json's "buildpack" key.
// Code config files are never loaded (a marker file proves none ran), and
// nothing in a JSON or YAML file can make pybp load code.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_CONFIG_FILES, loadConfig } from '../../../src/engine/project/config.js';
import { expectPybpError, useTempApps } from '../analysis/temp-apps.js';

const makeApp = useTempApps();

/** A JS module that would leave a marker file if it were ever loaded. */
function markerScript(marker: string): string {
  return `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { layersDir: '/tmp/evil' };`;
}

describe('code config files', () => {
  it.each(CODE_CONFIG_FILES)('%s is never loaded, and is reported as ignored', async (name) => {
    const app = await makeApp();
    const marker = join(app, 'MARKER');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(app, name), markerScript(marker));
    const loaded = await loadConfig(app);
    expect(loaded.file).toBeNull();
    expect(loaded.config.layersDir).toBeUndefined();
    expect(loaded.ignoredCodeFiles).toEqual([join(app, name)]);
    expect(existsSync(marker)).toBe(false);
  });

  it('a JSON config beside a JS one is used, and the JS one still reported', async () => {
    const app = await makeApp({ '.buildpackrc.json': '{"target": "heroku-24"}', 'buildpack.config.js': markerScript('/nonexistent/x') });
    const loaded = await loadConfig(app);
    expect(loaded.file).toBe(join(app, '.buildpackrc.json'));
    expect(loaded.config.target).toBe('heroku-24');
    expect(loaded.ignoredCodeFiles).toEqual([join(app, 'buildpack.config.js')]);
  });

  it('--config naming a JS file is refused without loading it', async () => {
    const app = await makeApp();
    const marker = join(app, 'MARKER');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(app, 'my.config.cjs'), markerScript(marker));
    const error = await expectPybpError(() => loadConfig(app, join(app, 'my.config.cjs')), 'config-invalid');
    expect(error.message).toContain('my.config.cjs');
    expect(existsSync(marker)).toBe(false);
  });

  it('a "$import" key in JSON is an unknown key, not an import', async () => {
    const app = await makeApp({ '.buildpackrc.json': '{"$import": "./evil.js"}', 'evil.js': markerScript('/nonexistent/x') });
    const error = await expectPybpError(() => loadConfig(app), 'config-invalid');
    expect(error.message).toContain('$import');
  });

  it('YAML code tags are rejected', async () => {
    const app = await makeApp({ '.buildpackrc.yaml': 'target: !!js/function "function () { return 1 }"\n' });
    const error = await expectPybpError(() => loadConfig(app), 'config-invalid');
    expect(error.message).toContain('.buildpackrc.yaml');
    expect(error.message).toMatch(/js\/function/);
  });
});

describe('declarative config', () => {
  it('reads package.json\'s "buildpack" key, and skips a package.json without one', async () => {
    const withKey = await makeApp({ 'package.json': JSON.stringify({ name: 'x', buildpack: { target: 'heroku-22' } }) });
    expect((await loadConfig(withKey)).config.target).toBe('heroku-22');
    const without = await makeApp({ 'package.json': JSON.stringify({ name: 'x' }), '.buildpackrc.yml': 'target: heroku-26\n' });
    const loaded = await loadConfig(without);
    expect(loaded.file).toBe(join(without, '.buildpackrc.yml'));
    expect(loaded.config.target).toBe('heroku-26');
  });

  it('an empty file is skipped and the search goes on', async () => {
    const app = await makeApp({ '.buildpackrc.json': '', '.buildpackrc.yaml': 'target: heroku-24\n' });
    expect((await loadConfig(app)).file).toBe(join(app, '.buildpackrc.yaml'));
  });

  it('.buildpackrc without an extension may be JSON or YAML', async () => {
    const json = await makeApp({ '.buildpackrc': '{"target": "heroku-24"}' });
    expect((await loadConfig(json)).config.target).toBe('heroku-24');
    const yaml = await makeApp({ '.buildpackrc': 'target: heroku-22\n' });
    expect((await loadConfig(yaml)).config.target).toBe('heroku-22');
  });

  it('python.source "uv" with its download settings: a URL is kept, a file path is relative to the config file', async () => {
    const app = await makeApp({
      '.buildpackrc.json': JSON.stringify({ python: { source: 'uv', uvMirror: 'https://mirror.example/pbs', uvDownloadsJsonUrl: 'lists/pbs.json' } }),
    });
    const { config } = await loadConfig(app);
    expect(config.python).toMatchObject({ source: 'uv', uvMirror: 'https://mirror.example/pbs', uvDownloadsJsonUrl: join(app, 'lists', 'pbs.json') });
    const byUrl = await makeApp({ '.buildpackrc.json': JSON.stringify({ python: { uvDownloadsJsonUrl: 'https://x.example/pbs.json' } }) });
    expect((await loadConfig(byUrl)).config.python.uvDownloadsJsonUrl).toBe('https://x.example/pbs.json');
  });

  it('a bad key names the file and the key', async () => {
    const app = await makeApp({ '.buildpackrc.json': '{"pyhton": {}}' });
    const error = await expectPybpError(() => loadConfig(app), 'config-invalid');
    expect(error.message).toContain(join(app, '.buildpackrc.json'));
    expect(error.message).toContain('pyhton');
  });

  it('a config file that is a device fails fast with app-file-not-regular', async () => {
    const app = await makeApp({ '.buildpackrc.json': { symlink: '/dev/zero' } });
    const error = await expectPybpError(() => loadConfig(app), 'app-file-not-regular');
    expect(error.message).toContain('.buildpackrc.json');
  });
});
