// Django's collectstatic (spec §11): runs only when Django is installed in
// the venv, for every package manager.
import path from 'node:path';
import { checkAppFile } from '../io/app-file.js';
import { entryExists } from '../io/fs.js';
import type { BuildContext } from './context.js';
import { resolveOnPath } from './bundled-pip.js';
import { toolFailure } from './tool-failure.js';

export async function djangoStep(ctx: BuildContext): Promise<void> {
  if (!(await entryExists(path.join(ctx.layerPath('venv'), 'bin'), 'django-admin'))) return;
  ctx.emit({ type: 'step-started', step: 'django', title: 'Generating Django static files' });
  const managePy = path.join(ctx.appDir, 'manage.py');
  if (!(await entryExists(ctx.appDir, 'manage.py'))) {
    ctx.info('django', "Skipping automatic static file generation since no Django 'manage.py'\nscript (or symlink to one) was found in the root directory of your\napplication.");
    return;
  }
  // python would block on a FIFO manage.py, or read a device forever: refused
  // like any app file. (A directory goes to python, which fails as on Heroku.)
  await checkAppFile(managePy, 'python-script', { directoryIsAbsent: true });
  const python = resolveOnPath('python', ctx.env, ctx.view);
  const probe = await ctx.run('django', [python, 'manage.py', 'help', 'collectstatic'], { capture: true });
  if (probe.code !== 0) {
    if (probe.stderr.includes('Unknown command')) {
      ctx.info('django', "Skipping automatic static file generation since the 'django.contrib.staticfiles'\nfeature isn't enabled in your app's Django configuration.");
      return;
    }
    throw toolFailure('python manage.py', probe, {
      code: 'django-inspect-failed',
      title: 'The Django configuration could not be inspected',
      message: `\`python manage.py help collectstatic\` (used to see whether static files are enabled) failed (${probe.status}). This is usually a problem in the app's code or settings.`,
      fix: 'Run `python manage.py help collectstatic` locally to see the error, fix it, and build again.',
    });
  }
  ctx.info('django', "Running 'manage.py collectstatic'");
  await ctx.runOrFail('django', [python, 'manage.py', 'collectstatic', '--noinput'], (status) => ({
    code: 'collectstatic-failed',
    title: 'Django static files could not be generated',
    message: `\`python manage.py collectstatic --noinput\` failed (${status}). Its output (last lines below) says why; this is usually the app's code or settings.`,
    fix: "Run it locally to reproduce. With WhiteNoise, see https://whitenoise.readthedocs.io/en/stable/django.html; if the app needs no static files, remove 'django.contrib.staticfiles' from INSTALLED_APPS.",
  }));
}
