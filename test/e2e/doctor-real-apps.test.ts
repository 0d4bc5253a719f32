// End-to-end: the cases issue 18 found on 11 public apps, rebuilt here with
// apps made in the test, the real pinned uv and Poetry, real builds and the
// loopback index. Each asserts doctor's verdict (would-build, would-fail,
// cannot-tell, and its exit code), and every report's fixes are checked to
// name no file the app already has and no check that isn't shown.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makePipApp, makePoetryApp, makeTempDir, makeUvApp, poetryLock, uvEnv } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { run } from '../support/env.js';
import { ensureTools } from '../support/tools.js';
import { buildSdist, buildWheel, publishWheel } from '../support/wheels.js';
import { build, BUILD_ENV_FLAGS, runPybp, writeToolsConfig } from './pybp.js';

interface Check {
  id: string;
  status: string;
  message: string;
  fix?: string;
  code?: string;
  unchecked?: { why: string; settle: string };
}
interface DoctorJson {
  verdict: 'would-build' | 'would-fail' | 'cannot-tell';
  ok: boolean;
  checks: Check[];
  unchecked: Array<{ check: string; why: string; settle: string }>;
}

const EXIT = { 'would-build': 0, 'would-fail': 1, 'cannot-tell': 3 } as const;

/** The pinned uv and Poetry on PATH, as a user who has them (the trust helper's doctor installs its own). */
function toolPath(): string {
  const { uvPath, poetryPath } = testInfra();
  return `${dirname(uvPath)}:${dirname(poetryPath)}:${process.env.PATH ?? ''}`;
}

/** doctor --json; checks the exit code against the verdict and every fix against the app and the report. */
async function doctor(app: string, extra: string[] = []): Promise<DoctorJson> {
  const r = await runPybp(['doctor', app, '--json', ...BUILD_ENV_FLAGS, ...extra], { env: { PATH: toolPath() } });
  let report: DoctorJson;
  try {
    report = JSON.parse(r.stdout) as DoctorJson;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  expect(r.code, `verdict ${report.verdict}`).toBe(EXIT[report.verdict]);
  await expectFixesMatch(app, report);
  return report;
}

/**
 * Every fix matches its cause: it tells the user to create no file the app
 * already has, and any check it points at ("the python-interpreter check") is
 * in the report.
 */
async function expectFixesMatch(app: string, report: DoctorJson): Promise<void> {
  const files = new Set(await readdir(app));
  const ids = new Set(report.checks.map((c) => c.id.split(':')[0]));
  for (const c of report.checks) {
    if (c.status === 'pass' || !c.fix) continue;
    for (const m of c.fix.matchAll(/\bcreate (?:a file named |a |an )?([.\w-]+\.?\w*)/gi)) {
      expect(files.has(m[1]), `${c.id}'s fix says to create ${m[1]}, which the app has: ${c.fix}`).toBe(false);
    }
    for (const m of c.fix.matchAll(/\bthe ([a-z][a-z0-9]*(?:-[a-z0-9]+)+) check\b/g)) {
      expect(ids.has(m[1]), `${c.id}'s fix refers to the ${m[1]} check, which is not shown: ${c.fix}`).toBe(true);
    }
  }
}

function checkOf(report: DoctorJson, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => `${c.id}=${c.status}`).join(', ')}`);
  return found;
}

type Table = Record<string, unknown>;
const q = (s: string) => JSON.stringify(s);

/**
 * The poetry.lock Poetry 1.1/1.2 wrote (lock-version 1.1): `category`, and
 * every file under `[metadata.files]`; or Poetry 1.0's (1.0), hashes only
 * under `[metadata.hashes]`. Made from a current lock of the same project, so
 * its content-hash is what the pinned Poetry expects.
 */
function oldPoetryLock(current: string, lockVersion: '1.1' | '1.0'): string {
  const doc = parse(current) as Table;
  const packages = doc.package as Table[];
  const metadata = doc.metadata as Table;
  const out: string[] = [];
  for (const p of packages) {
    out.push('[[package]]', `name = ${q(String(p.name))}`, `version = ${q(String(p.version))}`, `description = ${q(String(p.description ?? ''))}`);
    out.push('category = "main"', 'optional = false', `python-versions = ${q(String(p['python-versions'] ?? '*'))}`, '');
    const deps = (p.dependencies ?? {}) as Table;
    if (Object.keys(deps).length > 0) {
      out.push('[package.dependencies]');
      for (const [k, v] of Object.entries(deps)) out.push(`${k} = ${q(typeof v === 'string' ? v : String((v as Table).version ?? '*'))}`);
      out.push('');
    }
    const source = p.source as Table | undefined;
    if (source) out.push('[package.source]', `type = ${q(String(source.type))}`, `url = ${q(String(source.url))}`, `reference = ${q(String(source.reference))}`, '');
  }
  out.push('[metadata]', `lock-version = ${q(lockVersion)}`, `python-versions = ${q(String(metadata['python-versions']))}`, `content-hash = ${q(String(metadata['content-hash']))}`, '');
  if (lockVersion === '1.1') {
    out.push('[metadata.files]');
    for (const p of packages) {
      const files = (p.files as Table[]).map((f) => `    {file = ${q(String(f.file))}, hash = ${q(String(f.hash))}},`);
      out.push(`${String(p.name)} = [`, ...files, ']');
    }
  } else {
    out.push('[metadata.hashes]');
    for (const p of packages) out.push(`${String(p.name)} = [${(p.files as Table[]).map((f) => q(String(f.hash).replace(/^sha256:/, ''))).join(', ')}]`);
  }
  return out.join('\n') + '\n';
}

describe('doctor on the cases found on real apps', () => {
  let root: string;
  const tag = randomBytes(3).toString('hex');
  // greenlet 3.0.1's shape: wheels up to CPython 3.12, an sdist; nothing for 3.13.
  const greenlet = `greenletlike${tag}`;
  // gunicorn 20.1's shape: a module that imports pkg_resources at the top.
  const oldgun = `oldgun${tag}`;

  beforeAll(async () => {
    root = await makeTempDir();
    const { testWheelsDir } = testInfra();
    await publishWheel(testWheelsDir, { name: greenlet, version: '3.0.1' }, 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64');
    await buildSdist(testWheelsDir, { name: greenlet, version: '3.0.1' });
    await buildWheel(testWheelsDir, {
      name: oldgun,
      version: '20.1.0',
      files: { [`${oldgun}/__init__.py`]: '"""An old server."""\nimport os\n\nimport pkg_resources\n\nVERSION = "20.1.0"\n' },
    });
  });

  it('an sdist Heroku would compile (greenlet 3.0.1 on Python 3.13) makes the verdict cannot-tell, naming the package', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'greenlet'), { indexUrl, python: '3.13', dependencies: [`${greenlet}==3.0.1`], requiresPython: '>=3.12' });
    commitAll(app);
    const report = await doctor(app);
    const wheel = checkOf(report, 'no-linux-wheel');
    expect(wheel.status, wheel.message).toBe('warn');
    expect(wheel.message).toContain(`${greenlet} 3.0.1`);
    expect(report.verdict).toBe('cannot-tell');
    expect(report.unchecked).toEqual([{ check: 'no-linux-wheel', why: expect.stringContaining(`${greenlet} 3.0.1`), settle: expect.stringContaining('manylinux') }]);

    // The plain screen says which verdict and why.
    const plain = await runPybp(['doctor', app, ...BUILD_ENV_FLAGS], { env: { PATH: toolPath() } });
    expect(plain.code).toBe(3);
    expect(plain.stdout).toContain('  ? A locked package has no wheel for CPython 3.13');
    expect(plain.stdout).toContain('Verdict: cannot tell: 1 check could not answer, none failed:');
    expect(plain.stdout).toContain(`  ? no-linux-wheel: Heroku would compile from source: ${greenlet} 3.0.1`);

    // Python 3.12 has its wheel: every check ran, would build.
    await writeFile(join(app, '.python-version'), '3.12\n');
    const { uv } = await ensureTools();
    await run(uv, ['lock', '--quiet'], { cwd: app, env: uvEnv('3.12') });
    commitAll(app);
    const fixed = await doctor(app);
    expect(fixed.unchecked).toEqual([]);
    expect(fixed.verdict).toBe('would-build');
  });

  it('an sdist a pip app would compile is cannot-tell too', async () => {
    const { indexUrl } = testInfra();
    // The index as a user gives it: doctor asks no index the app names.
    const app = await makePipApp(join(root, 'greenlet pip'), { indexUrl: null, python: '3.13', requirements: [`${greenlet}==3.0.1`] });
    commitAll(app);
    const report = await doctor(app, ['--env', `PIP_INDEX_URL=${indexUrl}`]);
    expect(report.verdict).toBe('cannot-tell');
    expect(report.unchecked.map((u) => u.check)).toEqual(['no-linux-wheel']);
    expect(report.unchecked[0].why).toContain(`${greenlet} 3.0.1`);
  });

  it('reads a Poetry lock-version 1.1 lock ([metadata.files]): would-build, and the real build agrees', async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'poetry 1.1');
    await mkdir(join(app, 'oldapp'), { recursive: true });
    await writeFile(join(app, 'oldapp', '__init__.py'), '');
    await writeFile(
      join(app, 'pyproject.toml'),
      [
        '[tool.poetry]',
        'name = "oldapp"',
        'version = "0.1.0"',
        'description = ""',
        'authors = ["Dev <dev@example.com>"]',
        '',
        '[tool.poetry.dependencies]',
        'python = "^3.12"',
        'tinyweb = "1.0.0"',
        '',
        '[[tool.poetry.source]]',
        'name = "local"',
        `url = ${q(indexUrl)}`,
        'priority = "primary"',
        '',
        '[build-system]',
        'requires = ["poetry-core>=1.0.0"]',
        'build-backend = "poetry.core.masonry.api"',
        '',
      ].join('\n'),
    );
    await writeFile(join(app, '.python-version'), '3.12\n');
    await poetryLock(app, '3.12');
    const current = await readFile(join(app, 'poetry.lock'), 'utf8');
    await writeFile(join(app, 'poetry.lock'), oldPoetryLock(current, '1.1'));
    await writeToolsConfig(app, indexUrl);
    commitAll(app);

    const report = await doctor(app);
    const wheel = checkOf(report, 'no-linux-wheel');
    expect(wheel.status, wheel.message).toBe('pass');
    expect(wheel.message).toContain('All 2 packages Heroku would install from poetry.lock have a wheel');
    expect(checkOf(report, 'lockfile-out-of-date').status).toBe('pass');
    expect(checkOf(report, 'poetry-root').status).toBe('pass');
    expect(report.verdict).toBe('would-build');

    const built = await build(app);
    expect(built.status, built.stderr + JSON.stringify(built.error)).toBe('succeeded');
    // After the build, doctor still reads the old lock (issue 18: it failed the app after a successful build).
    expect((await doctor(app)).verdict).toBe('would-build');
  });

  it('a Poetry 1.0 lock names no files ([metadata.hashes]): cannot-tell, never "neither a wheel nor an sdist"', async () => {
    const { indexUrl } = testInfra();
    const app = await makePoetryApp(join(root, 'poetry 1.0'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const current = await readFile(join(app, 'poetry.lock'), 'utf8');
    await writeFile(join(app, 'poetry.lock'), oldPoetryLock(current, '1.0'));
    commitAll(app);
    const report = await doctor(app);
    const wheel = checkOf(report, 'no-linux-wheel');
    expect(wheel.status, wheel.message).toBe('warn');
    expect(wheel.message).toContain('records only hashes, no file names, for 2 packages');
    expect(report.verdict).toBe('cannot-tell');
  });

  it('reads every uv.lock revision the pinned uv reads (no revision, 1, 2, 3; with and without upload-time)', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'uv revisions'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const current = await readFile(join(app, 'uv.lock'), 'utf8');
    expect(current).toMatch(/^revision = 3$/m);
    const old = current.replace(/, upload-time = "[^"]*"/g, '');
    const variants: Record<string, string> = {
      'revision 3 (uv 0.11.33)': current,
      'revision 3 without upload-time': old,
      'revision 2': old.replace(/^revision = 3$/m, 'revision = 2'),
      'revision 1': old.replace(/^revision = 3$/m, 'revision = 1'),
      'no revision (uv 0.4-0.5)': old.replace(/^revision = 3\n/m, ''),
    };
    for (const [name, text] of Object.entries(variants)) {
      await writeFile(join(app, 'uv.lock'), text);
      await rm(join(app, '.git'), { recursive: true, force: true });
      commitAll(app);
      const report = await doctor(app);
      const lock = checkOf(report, 'lockfile-out-of-date');
      expect(lock.status, `${name}: ${lock.message}`).toBe('pass');
      const wheel = checkOf(report, 'no-linux-wheel');
      expect(wheel.status, `${name}: ${wheel.message}`).toBe('pass');
      expect(wheel.message, name).toContain('All 2 packages Heroku would install from uv.lock have a wheel');
      expect(report.verdict, name).toBe('would-build');
    }
  });

  it('Procfile commands as Heroku runs them: the stack image, wrappers of other buildpacks, pipelines', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'procfile'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeFile(
      join(app, 'Procfile'),
      [
        'release: yes "yes" | python manage.py migrate',
        'web: heroku-applink-service-mesh --port 8080 -- tinyweb',
        'worker: bin/start-nginx gunicorn app:app',
        '',
      ].join('\n'),
    );
    commitAll(app);
    const report = await doctor(app);
    const release = checkOf(report, 'procfile-command:release');
    expect(release.status, release.message).toBe('pass');
    expect(release.message).toContain('runs yes, which the heroku-24 run image has');
    const web = checkOf(report, 'procfile-command:web');
    expect(web.status, web.message).toBe('warn');
    expect(web.message).toContain('heroku-applink-service-mesh, which the AppLink service mesh buildpack (heroku/heroku-applink-service-mesh) installs');
    expect(web.message).toContain('runs tinyweb, from the dependency tinyweb (uv.lock)');
    const worker = checkOf(report, 'procfile-command:worker');
    expect(worker.status, worker.message).toBe('fail');
    expect(worker.message).toContain('the nginx buildpack (heroku-community/nginx)');
    expect(worker.message).toContain('no dependency in uv.lock is named gunicorn');
    expect(worker.fix).toContain('uv add gunicorn');
    expect(worker.fix).not.toContain('start-nginx to');
    expect(report.verdict).toBe('would-fail');

    // On heroku-22 the image's list is heroku-22's.
    const on22 = await doctor(app, ['--target', 'heroku-22/amd64']);
    expect(checkOf(on22, 'procfile-command:release').message).toContain('the heroku-22 run image has');
  });

  it('follows nested -r files for a pip app, and names the extra a command is locked only in', async () => {
    const { indexUrl } = testInfra();
    const pip = await makePipApp(join(root, 'nested'), { indexUrl, python: '3.12', requirements: ['-r requirements/prod.txt'] });
    await mkdir(join(pip, 'requirements'));
    await writeFile(join(pip, 'requirements', 'prod.txt'), '-r base.txt\n');
    await writeFile(join(pip, 'requirements', 'base.txt'), 'tinyweb==1.0.0\n');
    await writeFile(join(pip, 'Procfile'), 'web: tinyweb\n');
    commitAll(pip);
    const nested = checkOf(await doctor(pip), 'procfile-command:web');
    expect(nested.status, nested.message).toBe('pass');
    expect(nested.message).toContain('from the dependency tinyweb (requirements.txt (with its -r files))');

    const uvApp = await makeUvApp(join(root, 'extra'), { indexUrl, python: '3.12', dependencies: [] });
    const pyproject = join(uvApp, 'pyproject.toml');
    await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace('dependencies = []', 'dependencies = []\n\n[project.optional-dependencies]\nserver = ["tinyweb==1.0.0"]'));
    const { uv } = await ensureTools();
    await run(uv, ['lock', '--quiet'], { cwd: uvApp, env: uvEnv('3.12') });
    await writeFile(join(uvApp, 'Procfile'), 'web: tinyweb\n');
    commitAll(uvApp);
    const report = await doctor(uvApp);
    const extra = checkOf(report, 'procfile-command:web');
    expect(extra.status, extra.message).toBe('fail');
    expect(extra.message).toContain('tinyweb is locked only in the extra app[server] (uv.lock), which the build does not install');
    expect(extra.fix).toContain('uv add tinyweb');
  });

  it('after a build: a package that imports pkg_resources without setuptools in the venv fails, naming it (and the dyno really crashes)', async () => {
    const { indexUrl } = testInfra();
    const app = await makePipApp(join(root, 'pkg_resources'), { indexUrl, python: '3.12', requirements: [`${oldgun}==20.1.0`] });
    await writeToolsConfig(app, indexUrl);
    await writeFile(join(app, 'Procfile'), `web: python -c "import ${oldgun}"\n`);
    commitAll(app);
    expect((await doctor(app)).checks.some((c) => c.id === 'setuptools-at-runtime')).toBe(false);
    const built = await build(app);
    expect(built.status, built.stderr + JSON.stringify(built.error)).toBe('succeeded');
    const report = await doctor(app);
    const c = checkOf(report, 'setuptools-at-runtime');
    expect(c.status, c.message).toBe('fail');
    expect(c.code).toBe('setuptools-missing-at-runtime');
    expect(c.message).toContain(`${oldgun} 20.1.0 (${oldgun}/__init__.py imports pkg_resources)`);
    expect(report.verdict).toBe('would-fail');
    const started = await runPybp(['run', app, 'web']);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain("ModuleNotFoundError: No module named 'pkg_resources'");
  });

  it('before a build: a Poetry root project that cannot be installed is poetry-root-not-installable, as Poetry 2 fails it', async () => {
    const { indexUrl } = testInfra();
    const app = join(root, 'poetry root');
    await mkdir(app, { recursive: true });
    await writeFile(
      join(app, 'pyproject.toml'),
      ['[project]', 'name = "shop-site"', 'version = "0.1.0"', 'requires-python = ">=3.12"', 'dependencies = ["tinyweb==1.0.0"]', '', '[[tool.poetry.source]]', 'name = "local"', `url = ${q(indexUrl)}`, 'priority = "primary"', ''].join('\n'),
    );
    await writeFile(join(app, '.python-version'), '3.12\n');
    await writeFile(join(app, 'app.py'), 'print("shop")\n');
    await poetryLock(app, '3.12');
    await writeToolsConfig(app, indexUrl);
    commitAll(app);
    const report = await doctor(app);
    const root_ = checkOf(report, 'poetry-root');
    expect(root_.status, root_.message).toBe('fail');
    expect(root_.code).toBe('poetry-root-not-installable');
    expect(root_.message).toContain('none of shop_site/, shop_site.py, src/shop_site/, src/shop_site.py exists');
    expect(root_.fix).toContain('package-mode = false');
    expect(root_.fix).not.toContain('poetry lock');
    expect(report.verdict).toBe('would-fail');

    const built = await build(app);
    expect(built.status).toBe('failed');
    expect(built.error?.code).toBe('poetry-sync-failed');
    expect(JSON.stringify(built.error)).toContain('No file/folder found for package shop-site');
    // The build's fix matches the cause, not "run poetry lock".
    expect(built.error?.fix).toContain('package-mode = false');
    expect(built.error?.fix).not.toContain('Run `poetry lock`');

    // package-mode = false: doctor passes it, and the lock stays valid.
    await writeFile(join(app, 'pyproject.toml'), (await readFile(join(app, 'pyproject.toml'), 'utf8')) + '\n[tool.poetry]\npackage-mode = false\n');
    await rm(join(app, '.git'), { recursive: true, force: true });
    commitAll(app);
    const fixed = await doctor(app);
    expect(checkOf(fixed, 'poetry-root').status).toBe('pass');
    expect(checkOf(fixed, 'lockfile-out-of-date').status).toBe('pass');
    expect(fixed.verdict).toBe('would-build');
  });

  it('a committed .venv is a warning', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'committed venv'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await mkdir(join(app, '.venv', 'bin'), { recursive: true });
    await writeFile(join(app, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
    commitAll(app);
    const report = await doctor(app);
    const venv = checkOf(report, 'committed-venv');
    expect(venv.status, venv.message).toBe('warn');
    expect(venv.message).toContain('.venv/ is committed to git');
    expect(venv.fix).toContain('git rm -r --cached .venv');
  });

  it('explain --python 3.13 warns when requires-python excludes 3.13', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'what if'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12,<3.13' });
    const plain = await runPybp(['explain', app, '--json', '--python-source', 'local']);
    expect((JSON.parse(plain.stdout) as { warnings: Array<{ code: string }> }).warnings.map((w) => w.code)).not.toContain('requires-python-excludes');
    const r = await runPybp(['explain', app, '--json', '--python', '3.13', '--python-source', 'local']);
    const json = JSON.parse(r.stdout) as { warnings: Array<{ code: string; message: string }> };
    const w = json.warnings.find((x) => x.code === 'requires-python-excludes');
    expect(w?.message).toContain('requires-python ">=3.12,<3.13" does not admit Python 3.13');
  });
});
