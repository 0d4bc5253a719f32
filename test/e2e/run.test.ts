// End-to-end: `pybp run` on a really built pip app, as `heroku local` runs
// one: the app's .env under its config vars, PORT and DYNO, any Procfile
// process, and the config var a real Python traceback shows it stopped for.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { build, runPybp, writeToolsConfig } from './pybp.js';

const APP_PY = `import os, sys, tinyweb
print(f"{os.environ.get('DYNO', 'no DYNO')} on port {os.environ['PORT']}: {tinyweb.hello()} key={os.environ['SECRET_KEY']} debug={os.environ.get('DEBUG')}")
`;
const WORKER_PY = `import os
if not os.environ.get("DATABASE_URL"):
    from django.core.exceptions import ImproperlyConfigured
    raise ImproperlyConfigured("Set the DATABASE_URL environment variable")
print(os.environ.get("DYNO", "no DYNO"), "uses", os.environ["DATABASE_URL"])
`;

describe('pybp run on a built app', () => {
  let app: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'dyno app');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    await writeFile(join(app, 'app.py'), APP_PY);
    await writeFile(join(app, 'worker.py'), WORKER_PY);
    // What django.core.exceptions prints, without Django.
    await mkdir(join(app, 'django', 'core'), { recursive: true });
    await writeFile(join(app, 'django', '__init__.py'), '');
    await writeFile(join(app, 'django', 'core', '__init__.py'), '');
    await writeFile(join(app, 'django', 'core', 'exceptions.py'), 'class ImproperlyConfigured(Exception):\n    pass\n');
    await writeFile(join(app, 'Procfile'), 'web: python app.py\nworker: python worker.py\nrelease: python -c "import os; print(os.environ.get(\'DYNO\', \'no DYNO\'))"\n');
    const report = await build(app);
    expect(report.status, report.stderr + JSON.stringify(report.error)).toBe('succeeded');
  });

  it("pybp run web: reads .env, heroku local's PORT 5006 and no DYNO, the venv on PATH", async () => {
    await writeFile(join(app, '.env'), '# local only\nSECRET_KEY="dev key"\nexport DEBUG=1\n');
    const r = await runPybp(['run', app, 'web']);
    expect(r.stdout).toBe('no DYNO on port 5006: hello from tinyweb 1.0.0 (tinydep 0.1.0) key=dev key debug=1\n');
    expect(r.stderr).toBe(`pybp: read 2 config var(s) from ${join(app, '.env')}\n`);
    expect(r.code).toBe(0);
  });

  it('--env wins over .env; --port sets PORT; --dyno sets DYNO as on a dyno; release runs by name', async () => {
    const r = await runPybp(['run', app, '--env', 'SECRET_KEY=from-flag', '--port', '8123', '--dyno']);
    expect(r.stdout).toContain('web.1 on port 8123: hello from tinyweb 1.0.0 (tinydep 0.1.0) key=from-flag debug=1');
    const release = await runPybp(['run', app, 'release', '--dyno', 'release.2']);
    expect(release.stdout).toBe('release.2\n');
    expect((await runPybp(['run', app, 'release'])).stdout).toBe('no DYNO\n');
  });

  it('without .env the app stops on KeyError and pybp names SECRET_KEY', async () => {
    const r = await runPybp(['run', app, 'web', '--no-env-file']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("KeyError: 'SECRET_KEY'");
    expect(r.stderr).toContain('(config-var-missing)');
    expect(r.stderr).toContain('the config var SECRET_KEY is not set');
  });

  it("a worker's ImproperlyConfigured names DATABASE_URL; given in .env, the worker runs", async () => {
    const r = await runPybp(['run', app, 'worker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ImproperlyConfigured: Set the DATABASE_URL environment variable');
    expect(r.stderr).toContain('the config var DATABASE_URL is not set');
    expect(r.stderr).toContain('--env DATABASE_URL=...');
    await writeFile(join(app, '.env'), 'SECRET_KEY=k\nDATABASE_URL=postgres://localhost/dev\n');
    const ok = await runPybp(['run', app, 'worker', '--dyno']);
    expect(ok.stdout).toBe('worker.1 uses postgres://localhost/dev\n');
    expect(ok.code).toBe(0);
  });

  it('a malformed .env stops run before the app starts (env-file-invalid, line number, no value)', async () => {
    await writeFile(join(app, '.env'), 'SECRET_KEY=k\nDATABASE_URL "postgres://user:pw@db/x"\n');
    const r = await runPybp(['run', app, 'web']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('(env-file-invalid)');
    expect(r.stderr).toContain('.env, line 2: it is not of the form NAME=value');
    expect(r.stderr).not.toContain('pw@db');
  });
});
