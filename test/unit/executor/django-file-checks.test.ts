// The Django step checks `manage.py` and the venv's `django-admin` with the
// buildpack's file_exists (Rust Path::try_exists): "not found" is absent, any
// other I/O error stops the build. A permission error can't be made for real
// when tests run as root, so `stat` fails on the registered paths here (the
// symlink loop, which works for any user, is in test/e2e/django.test.ts).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../../src/engine/core/events.js';
import type { BuildContext } from '../../../src/engine/executor/context.js';
import { djangoStep } from '../../../src/engine/executor/django-step.js';
import { expectPybpError, useTempApps } from '../analysis/temp-apps.js';

const faults = vi.hoisted(() => ({ stat: new Map<string, string>() }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    stat: async (path: string) => {
      const code = faults.stat.get(path);
      if (code) throw Object.assign(new Error(`${code}: simulated failure, stat '${path}'`), { code, path, syscall: 'stat' });
      return real.stat(path);
    },
  };
});

afterEach(() => faults.stat.clear());

const makeApp = useTempApps();

/** Just what the Django step uses of a build: the app, the venv layer, and where its events go. */
function fakeContext(app: string, events: EngineEvent[]): BuildContext {
  return {
    appDir: app,
    layerPath: (name: string) => join(app, 'layers', name),
    emit: (e: EngineEvent) => events.push(e),
    info: (step: 'django', message: string) => events.push({ type: 'info', step, message }),
    run: () => {
      throw new Error('the Django step must stop before running python');
    },
  } as unknown as BuildContext;
}

describe('Django step: file_exists semantics', () => {
  it('EACCES on manage.py stops the build with file-check-failed (its path, the errno, a fix), python never runs', async () => {
    const app = await makeApp({ 'layers/venv/bin/django-admin': '#!/bin/sh\n', 'manage.py': '' });
    faults.stat.set(join(app, 'manage.py'), 'EACCES');
    const events: EngineEvent[] = [];
    const error = await expectPybpError(() => djangoStep(fakeContext(app, events)), 'file-check-failed');
    expect(error.title).toBe("Couldn't check whether manage.py exists");
    expect(error.message).toContain(join(app, 'manage.py'));
    expect(error.message).toContain('EACCES');
    expect(error.fix).toContain('permissions');
    expect(events.some((e) => e.type === 'info' && e.message.startsWith('Skipping'))).toBe(false);
  });

  it('EACCES on the venv\'s django-admin stops the build too (the buildpack\'s Django detection)', async () => {
    const app = await makeApp({ 'layers/venv/bin/django-admin': '#!/bin/sh\n', 'manage.py': '' });
    faults.stat.set(join(app, 'layers', 'venv', 'bin', 'django-admin'), 'EACCES');
    const error = await expectPybpError(() => djangoStep(fakeContext(app, [])), 'file-check-failed');
    expect(error.title).toBe("Couldn't check whether django-admin exists");
  });

  it('ENOTDIR (a parent that is a file) is "absent", as in the buildpack: no step, no error', async () => {
    const app = await makeApp({ 'layers/venv/bin/django-admin': '#!/bin/sh\n', 'manage.py': '' });
    faults.stat.set(join(app, 'manage.py'), 'ENOTDIR');
    const events: EngineEvent[] = [];
    await djangoStep(fakeContext(app, events));
    expect(events.map((e) => (e.type === 'info' ? e.message.split('\n')[0] : e.type))).toEqual([
      'step-started',
      "Skipping automatic static file generation since no Django 'manage.py'",
    ]);
  });
});
