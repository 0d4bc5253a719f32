// Inspecting a repo runs none of its code, reads are bounded, and signals
// stop every command (issue 9, items 4 and 5), tried with the real CLI.
//
// "Nothing ran" is proved, not assumed: every trap (a JS config file, an
// interpreter, a git fsmonitor hook or filter, an app-root venv.py) appends
// to a marker file when it runs, and each trap is also shown to work when
// something does run it. FIFOs and devices must fail with their code; every
// run has a generous kill timer so a regression fails the test instead of
// hanging it, but no test asserts on time. Processes go through the tests'
// one runner (test/support/cli.ts), which kills whatever a test leaves.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { cliEnv, type CliResult, type RunningCli, runPybp, startPybp } from '../support/cli.js';
import { testInfra } from '../support/context.js';
import { serveBlackhole, serveStalling } from '../support/file-server.js';
import { alive, childPids, until } from '../support/procs.js';
import { cacheHomeWithPinnedUv } from '../support/tools.js';
import { BUILD_ENV_FLAGS, writeToolsConfig } from '../e2e/pybp.js';
import { CODE_CONFIG_FILES } from '../../src/engine/project/config.js';
import { APP_FILE_LIMITS } from '../../src/engine/io/app-file.js';

type Outcome = CliResult;
type Env = Record<string, string | undefined>;

/** A command still running after this is killed and its test fails: a safety net, not a timing assertion. */
const HANG_LIMIT_MS = 120_000;

const start = (args: string[], opts: { env?: Env } = {}): RunningCli => startPybp(args, { env: opts.env, timeoutMs: HANG_LIMIT_MS });
const pybp = (args: string[], opts: { env?: Env } = {}): Promise<Outcome> => runPybp(args, { env: opts.env, timeoutMs: HANG_LIMIT_MS });

function json<T>(outcome: Outcome): T {
  try {
    return JSON.parse(outcome.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${outcome.code}, signal ${outcome.signal}):\n${outcome.stdout}\n${outcome.stderr}`);
  }
}

interface ErrorJson {
  code: string;
  title: string;
  message: string;
}
interface ExplainJson {
  error: ErrorJson | null;
  warnings: Array<{ code: string; message: string }>;
}
interface DoctorJson {
  ok: boolean;
  checks: Array<{ id: string; status: string; message: string; code?: string }>;
}
interface BuildJson {
  status: string;
  error: ErrorJson | null;
  warnings: Array<{ code: string; message: string }>;
}

/** A Python 3.12 installation without headers whose binary appends to `marker` when run (so discovery must run it). */
async function markingPython(prefix: string, marker: string, body = 'echo 3.12.9'): Promise<void> {
  await mkdir(join(prefix, 'bin'), { recursive: true });
  await mkdir(join(prefix, 'lib', 'python3.12'), { recursive: true });
  await writeFile(join(prefix, 'lib', 'python3.12', 'os.py'), '# stdlib marker\n');
  await writeFile(join(prefix, 'bin', 'python3.12'), `#!/bin/sh\necho ran >> '${marker}'\n${body}\n`);
  await chmod(join(prefix, 'bin', 'python3.12'), 0o755);
}

/** A JS/TS config module that appends to `marker` if it is ever loaded. */
function configModule(name: string, marker: string): string {
  const write = `fs.appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(name + '\n')});`;
  if (name.endsWith('.mjs') || name.endsWith('.mts')) return `import fs from 'node:fs';\n${write}\nexport default { layersDir: '/tmp' };\n`;
  return `const fs = require('node:fs');\n${write}\nmodule.exports = { layersDir: '/tmp' };\n`;
}

describe('explain and doctor run nothing from the app', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir('pybp inspect-');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('no JS/TS config file is loaded; each is reported as ignored', async () => {
    const app = join(root, 'js-config');
    const marker = join(root, 'js-config.MARKER');
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    for (const name of CODE_CONFIG_FILES) await writeFile(join(app, name), configModule(name, marker));

    const explained = json<ExplainJson>(await pybp(['explain', app, '--json', '--python-source', 'local']));
    const ignored = explained.warnings.find((w) => w.code === 'config-code-ignored');
    expect(ignored?.message).toContain('buildpack.config.js');
    expect(ignored?.message).toContain('.buildpackrc.mjs');

    const doctor = json<DoctorJson>(await pybp(['doctor', app, '--json']));
    const check = doctor.checks.find((c) => c.id === 'config-code-ignored');
    expect(check?.status).toBe('warn');

    expect(existsSync(marker)).toBe(false);
    // The trap works: node loading the file does write the marker.
    execFileSync(process.execPath, [join(app, 'buildpack.config.cjs')]);
    expect(readFileSync(marker, 'utf8')).toBe('buildpack.config.cjs\n');
  });

  it.each([
    ['python.interpreters naming a directory in the repo', { python: { interpreters: ['tools/py'] } }, 'tools/py'],
    ['python.pyenvRoot naming a directory in the repo', { python: { pyenvRoot: 'fake-pyenv' } }, 'fake-pyenv/versions/3.12.9'],
  ])('an interpreter from %s is not run by explain or doctor', async (_label, config, prefixRel) => {
    const app = join(root, `interp-${prefixRel.replace(/\W/g, '-')}`);
    const marker = join(root, `interp-${prefixRel.replace(/\W/g, '-')}.MARKER`);
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    await markingPython(join(app, prefixRel), marker);
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify(config));

    for (const command of ['explain', 'doctor']) {
      const outcome = await pybp([command, app, '--json', '--python-source', 'local']);
      json(outcome); // a complete answer, whatever it says about the interpreter
    }
    expect(existsSync(marker)).toBe(false);
    // explain says why it did not look (when no other 3.12 stands in, the search list shows it).
    const onlyThat = await pybp(['explain', app, '--json', '--python-source', 'local'], { env: { HOME: root, PATH: '/usr/bin:/bin', PYENV_ROOT: join(root, 'none') } });
    const error = json<{ error: ErrorJson & { details?: string[] } }>(onlyThat).error;
    expect(existsSync(marker)).toBe(false);
    expect(error.code).toBe('python-interpreter-not-found');
    expect(error.details?.some((line) => line.includes(join(app, prefixRel)) && line.includes('not inspected'))).toBe(true);
  });

  it("git runs no fsmonitor, filter or hook the repo's config names", async () => {
    const app = join(root, 'git-app');
    const marker = join(root, 'git.MARKER');
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    await writeFile(join(app, 'Procfile'), 'web: python -m http.server $PORT\n');
    await writeFile(join(app, '.gitattributes'), '* filter=trap\n');
    const git = (...args: string[]) => execFileSync('git', ['-C', app, ...args], { env: cliEnv({ GIT_CONFIG_NOSYSTEM: '1', HOME: root }) });
    git('init', '-q');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'app');
    const hook = join(root, 'git-trap.sh');
    await writeFile(hook, `#!/bin/sh\necho "$0 $*" >> '${marker}'\ncat\n`);
    await chmod(hook, 0o755);
    await mkdir(join(root, 'hooks'), { recursive: true });
    for (const name of ['post-index-change', 'pre-commit', 'post-checkout']) {
      await writeFile(join(root, 'hooks', name), `#!/bin/sh\necho hook ${name} >> '${marker}'\n`);
      await chmod(join(root, 'hooks', name), 0o755);
    }
    // git runs these through the shell: the temp dir's name has a space.
    const quoted = `'${hook}'`;
    git('config', 'core.fsmonitor', quoted);
    git('config', 'filter.trap.clean', quoted);
    git('config', 'filter.trap.smudge', quoted);
    git('config', 'filter.trap.required', 'true');
    git('config', 'core.hooksPath', join(root, 'hooks'));
    git('config', 'log.showSignature', 'true');
    git('config', 'gpg.program', quoted);
    // Stat data that no longer matches the index: status must look at the content (and would run the filter).
    execFileSync('touch', ['-d', '2001-01-01', join(app, 'requirements.txt'), join(app, '.python-version'), join(app, 'Procfile')]);

    const doctor = json<DoctorJson>(await pybp(['doctor', app, '--json']));
    expect(doctor.checks.find((c) => c.id === 'git-repo')?.status).toBe('pass');
    expect(existsSync(marker)).toBe(false);

    // The traps work: a plain git status runs them.
    const plain = spawnSync('git', ['-C', app, 'status', '--porcelain'], { env: cliEnv({ HOME: root }), encoding: 'utf8' });
    expect(readFileSync(marker, 'utf8'), plain.stderr).toContain(hook);
  });
});

describe('special files fail fast with a code naming the file', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir('pybp special-');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function pipApp(name: string): Promise<string> {
    const app = join(root, name);
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    return app;
  }

  /** The error a command reports, from its JSON (doctor: the failing check with an app-file code naming the file). */
  async function errorFor(command: string, app: string, file: string): Promise<{ code: string | undefined; text: string; exit: number | null }> {
    const outcome = await pybp([command, app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    if (command === 'doctor') {
      const checks = json<DoctorJson>(outcome).checks;
      const check = checks.find((c) => c.status === 'fail' && c.code?.startsWith('app-file-') && c.message.includes(file));
      return { code: check?.code, text: check?.message ?? JSON.stringify(checks), exit: outcome.code };
    }
    const error = json<{ error: ErrorJson | null }>(outcome).error;
    return { code: error?.code, text: error?.message ?? outcome.stdout, exit: outcome.code };
  }

  it.each(['explain', 'doctor', 'build'])('%s: .python-version as a FIFO, a link to /dev/zero, and an oversized file', async (command) => {
    const fifoApp = await pipApp(`${command}-fifo`);
    await rm(join(fifoApp, '.python-version'));
    execFileSync('mkfifo', [join(fifoApp, '.python-version')]);
    const fifo = await errorFor(command, fifoApp, '.python-version');
    expect(fifo).toMatchObject({ code: 'app-file-not-regular', exit: 1 });
    expect(fifo.text).toContain(join(fifoApp, '.python-version'));

    const zeroApp = await pipApp(`${command}-zero`);
    await rm(join(zeroApp, '.python-version'));
    await symlink('/dev/zero', join(zeroApp, '.python-version'));
    expect(await errorFor(command, zeroApp, '.python-version')).toMatchObject({ code: 'app-file-not-regular', exit: 1 });

    const bigApp = await pipApp(`${command}-big`);
    await writeFile(join(bigApp, '.python-version'), '3.12\n' + '#'.repeat(APP_FILE_LIMITS['python-version'].maxBytes));
    expect(await errorFor(command, bigApp, '.python-version')).toMatchObject({ code: 'app-file-too-large', exit: 1 });
    // Nothing was written into any of them.
    for (const app of [fifoApp, zeroApp, bigApp]) expect(existsSync(join(app, '.pybp'))).toBe(false);
  });

  it.each(['explain', 'build'])('%s: requirements.txt as a FIFO stops before pip is run', async (command) => {
    const app = await pipApp(`${command}-req-fifo`);
    await rm(join(app, 'requirements.txt'));
    execFileSync('mkfifo', [join(app, 'requirements.txt')]);
    const result = await errorFor(command, app, 'requirements.txt');
    expect(result).toMatchObject({ code: 'app-file-not-regular', exit: 1 });
    expect(result.text).toContain('requirements.txt');
  });

  it.each(['explain', 'doctor', 'build'])('%s: a uv app whose pyproject.toml is a link to /dev/zero', async (command) => {
    const app = join(root, `${command}-uv-zero`);
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12\n');
    await writeFile(join(app, 'uv.lock'), 'version = 1\n');
    await symlink('/dev/zero', join(app, 'pyproject.toml'));
    const result = await errorFor(command, app, 'pyproject.toml');
    expect(result.code).toBe('app-file-not-regular');
    expect(result.exit).toBe(1);
  });

  it('a config file or Procfile that is a FIFO: explain fails with the code, doctor says so', async () => {
    const app = await pipApp('config-fifo');
    execFileSync('mkfifo', [join(app, '.buildpackrc.json')]);
    expect(await errorFor('explain', app, '.buildpackrc.json')).toMatchObject({ code: 'app-file-not-regular', exit: 1 });

    const procApp = await pipApp('procfile-fifo');
    execFileSync('mkfifo', [join(procApp, 'Procfile')]);
    const doctor = json<DoctorJson>(await pybp(['doctor', procApp, '--json']));
    expect(doctor.checks.find((c) => c.id === 'procfile')?.message).toContain('named pipe');
  });
});

describe('a build', () => {
  let root: string;
  let indexUrl: string;
  beforeAll(async () => {
    root = await makeTempDir('pybp inspect-build-');
    indexUrl = testInfra().indexUrl;
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("uses the stdlib's venv, not an app-root venv.py, and loads no JS config", async () => {
    const app = join(root, 'venv-py');
    const marker = join(root, 'venv-py.MARKER');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    await writeFile(join(app, 'venv.py'), `open(${JSON.stringify(marker)}, 'a').write('venv.py ran\\n')\nraise SystemExit(3)\n`);
    await writeFile(join(app, 'buildpack.config.js'), configModule('buildpack.config.js', marker));
    const outcome = await pybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    const report = json<BuildJson>(outcome);
    expect(report.error).toBeNull();
    expect(report.status).toBe('succeeded');
    expect(report.warnings.map((w) => w.code)).toContain('config-code-ignored');
    expect(existsSync(marker)).toBe(false);
    // The trap works: `python -m venv` from the app dir, without -I, runs it.
    const python = join(app, '.pybp', 'layers', 'python', 'bin', 'python');
    const probe = spawnSyncStatus(python, ['-m', 'venv', '--help'], app);
    expect(probe).toBe(3);
    expect(readFileSync(marker, 'utf8')).toBe('venv.py ran\n');
  });

  it('stops on SIGTERM during a long step, stops the tool, and rolls back', async () => {
    const app = join(root, 'sigterm');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    const first = json<BuildJson>(await pybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]));
    expect(first.status).toBe('succeeded');
    const layersDir = join(app, '.pybp', 'layers');
    const before = await snapshot(layersDir);

    // An index that accepts connections and never answers: pip waits on it, a step as long as we like.
    const blackhole = await serveBlackhole();
    try {
      await writeFile(join(app, 'requirements.txt'), `--index-url ${blackhole.url}/simple\nsomething-slow==1.0\n`);
      const build = start(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS, '--env', 'PIP_DEFAULT_TIMEOUT=600']);
      await until('pip connected to the index', () => blackhole.open() > 0, build);
      expect(build.stdout + build.stderr).toContain('pip install');
      build.signal('SIGTERM');
      const outcome = await build.done;
      expect(outcome.code).toBe(130);
      expect(outcome.stdout + outcome.stderr).toContain('interrupted');
      // pip went with it: its connections to the index are closed.
      await until('pip let go of the index', () => blackhole.open() === 0);
    } finally {
      await blackhole.close();
    }
    // Rolled back: the layers are exactly the first build's, and nothing of the interrupted one is left.
    expect(await snapshot(layersDir)).toEqual(before);
  }, 600_000);
});

describe('explain and doctor stop on SIGTERM with exit 130, and their children with them', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir('pybp inspect-signal-');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('explain, while it asks an interpreter (outside the app) for its version', async () => {
    const app = join(root, 'explain-app');
    await makePipApp(app, { indexUrl: 'http://127.0.0.1:9/simple', python: '3.12', requirements: [] });
    const started = join(root, 'python.pid');
    const prefix = join(root, 'slow-python');
    await markingPython(prefix, join(root, 'slow-python.MARKER'), `echo $$ > '${started}'\nexec sleep 300`);
    const env = { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, HOME: root, PYENV_ROOT: join(root, 'none') };
    const explain = start(['explain', app, '--json', '--python-source', 'local'], { env });
    await until('the interpreter was asked', () => existsSync(started) && readFileSync(started, 'utf8').trim() !== '', explain);
    const childPid = Number(readFileSync(started, 'utf8').trim());
    explain.signal('SIGTERM');
    const outcome = await explain.done;
    expect(outcome.code).toBe(130);
    expect(json<{ error: ErrorJson }>(outcome).error.code).toBe('interrupted');
    await until('the interpreter was stopped', () => !alive(childPid));
  });

  it("doctor, while it installs its own pinned uv (pip waits on the index)", async () => {
    const app = join(root, 'doctor-app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12\n');
    await writeFile(join(app, 'pyproject.toml'), '[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.12"\ndependencies = []\n');
    await writeFile(join(app, 'uv.lock'), 'version = 1\nrequires-python = ">=3.12"\n');
    const stalling = await serveStalling();
    try {
      // The user's own config names the index doctor installs its uv from: it never answers.
      const userConfig = join(root, 'doctor-user-config.json');
      await writeFile(userConfig, JSON.stringify({ tools: { indexUrl: `${stalling.url}/simple` } }));
      await doctorStoppedWhileChildRuns(app, ['--config', userConfig], join(root, 'empty-cache-lock'), stalling.requested);
    } finally {
      await stalling.close();
    }
  });

  it('doctor, while the pinned uv resolves requirements.txt for the wheel check', async () => {
    const app = join(root, 'doctor-pip-app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12\n');
    const stalling = await serveBlackhole();
    try {
      await writeFile(join(app, 'requirements.txt'), 'tinyweb==1.0.0\n');
      // The real uv in pybp's tool cache; uv pip compile waits on the index the user gave.
      const cache = await cacheHomeWithPinnedUv(join(root, 'uv-cache-pip'));
      await doctorStoppedWhileChildRuns(app, ['--env', `PIP_INDEX_URL=${stalling.url}/simple`], cache, stalling.requested);
    } finally {
      await stalling.close();
    }
  });

  /** SIGTERM to doctor while its child (pip or uv) waits on `requested`'s server: exit 130, and that child stopped. */
  async function doctorStoppedWhileChildRuns(app: string, args: string[], cacheHome: string, requested: Promise<void>): Promise<void> {
    const doctor = start(['doctor', app, ...args], { env: { XDG_CACHE_HOME: cacheHome } });
    await Promise.race([requested, doctor.done]);
    expect(doctor.running).toBe(true);
    const children = childPids(doctor.pid);
    expect(children.length).toBeGreaterThan(0);
    doctor.signal('SIGTERM');
    const outcome = await doctor.done;
    expect(outcome.code).toBe(130);
    expect(outcome.stderr).toContain('interrupted');
    for (const pid of children) await until(`child ${pid} was stopped`, () => !alive(pid));
  }
});


function spawnSyncStatus(program: string, args: string[], cwd: string): number | null {
  try {
    execFileSync(program, args, { cwd, stdio: 'ignore', env: cliEnv() });
    return 0;
  } catch (err) {
    return (err as { status: number | null }).status;
  }
}

/** Every layer toml's text and every entry name at the top of the layers dir and its control dir. */
async function snapshot(layersDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(layersDir)).sort()) {
    out[name] = name.endsWith('.toml') ? await readFile(join(layersDir, name), 'utf8') : 'entry';
  }
  const control = join(layersDir, '.pybp');
  if (existsSync(control)) {
    for (const name of (await readdir(control)).sort()) if (name !== 'history.json') out[`.pybp/${name}`] = 'entry';
  }
  return out;
}
