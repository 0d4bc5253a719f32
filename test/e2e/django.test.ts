// End-to-end: Django's collectstatic step (spec §11) with a Django stand-in
// that behaves like Django's manage.py for these two commands.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, writeDjangoProject } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { BUILD_ENV_FLAGS, build, runPybp, writeToolsConfig } from './pybp.js';

describe('Django app', () => {
  let app: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'django app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['fakedjango==5.0'] });
    await writeToolsConfig(app, indexUrl);
  });

  const plainBuild = () => runPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS]);

  it('runs manage.py collectstatic when django-admin is in the venv', async () => {
    await writeDjangoProject(app);
    const report = await build(app);
    expect(report.status, report.stderr + JSON.stringify(report.error)).toBe('succeeded');
    expect(readFileSync(join(app, 'staticfiles', 'site.css'), 'utf8')).toContain('rebeccapurple');
  });

  it('skips collectstatic when staticfiles is not enabled', async () => {
    await rm(join(app, 'staticfiles'), { recursive: true, force: true });
    await writeDjangoProject(app, { staticfiles: false });
    const r = await plainBuild();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("'django.contrib.staticfiles' feature isn't enabled");
    expect(existsSync(join(app, 'staticfiles'))).toBe(false);
  });

  it('fails with django-inspect-failed when the settings are broken', async () => {
    await writeDjangoProject(app, { settingsExtra: 'raise RuntimeError("settings are broken")' });
    const report = await build(app);
    expect(report.exitCode).toBe(1);
    expect(report.error?.code).toBe('django-inspect-failed');
    expect(JSON.stringify(report.error)).toContain('settings are broken');
  });

  it('says so when there is no manage.py', async () => {
    await writeDjangoProject(app);
    await rm(join(app, 'manage.py'));
    const r = await plainBuild();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no Django manage.py file');
  });
});
