// End-to-end: Django's collectstatic step (spec §11) with a Django stand-in
// that behaves like Django's manage.py for these two commands.
import { existsSync, readFileSync } from 'node:fs';
import { rm, symlink } from 'node:fs/promises';
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
    expect(r.stdout).toContain("Skipping automatic static file generation since the 'django.contrib.staticfiles'\nfeature isn't enabled in your app's Django configuration.");
    expect(existsSync(join(app, 'staticfiles'))).toBe(false);
  });

  it('fails with django-inspect-failed when the settings are broken', async () => {
    await writeDjangoProject(app, { settingsExtra: 'raise RuntimeError("settings are broken")' });
    const report = await build(app);
    expect(report.exitCode).toBe(1);
    expect(report.error?.code).toBe('django-inspect-failed');
    expect(JSON.stringify(report.error)).toContain('settings are broken');
  });

  // The buildpack checks manage.py with file_exists (Rust Path::try_exists):
  // only "not found" (or a parent that is a file) is "absent"; any other I/O
  // error stops the build. A symlink loop gives ELOOP, as root or not.
  it('a manage.py that is a symlink loop stops the build with file-check-failed (not "no manage.py")', async () => {
    await writeDjangoProject(app);
    await rm(join(app, 'manage.py'));
    await symlink('manage.py', join(app, 'manage.py'));
    try {
      const r = await plainBuild();
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain('Skipping automatic static file generation');
      expect(r.stderr).toContain('(file-check-failed)');
      expect(r.stderr).toContain('ELOOP');
      expect(r.stderr).toContain(join(app, 'manage.py'));
      expect(r.stderr).toMatch(/fix: .+/);
    } finally {
      await rm(join(app, 'manage.py'));
    }
  });

  it('a dangling manage.py symlink is absent, as for try_exists: the step is skipped', async () => {
    await writeDjangoProject(app);
    await rm(join(app, 'manage.py'));
    await symlink('gone.py', join(app, 'manage.py'));
    try {
      const r = await plainBuild();
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Skipping automatic static file generation since no Django 'manage.py'");
    } finally {
      await rm(join(app, 'manage.py'));
    }
  });

  it('says so when there is no manage.py', async () => {
    await writeDjangoProject(app);
    await rm(join(app, 'manage.py'));
    const r = await plainBuild();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Skipping automatic static file generation since no Django 'manage.py'\nscript (or symlink to one) was found in the root directory of your\napplication.");
  });
});
