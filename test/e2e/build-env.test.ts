// End-to-end: the Heroku-clean build environment. A user's pip config (here a
// constraints file that pins tinyweb to 1.0.0, where the index's newest is
// 1.1.0) changes nothing in a default build and applies with --host-config;
// the build's tools see a fresh HOME, HOSTNAME, CNB_STACK_ID and no LANG/TERM;
// that HOME is gone after the build, after a failed build and after Ctrl-C.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HOME_PREFIX } from '../../src/engine/executor/build-home.js';
import { makePipApp, makeTempDir, writeDjangoProject } from '../support/apps.js';
import { startPybp } from '../support/cli.js';
import { testInfra } from '../support/context.js';
import { BUILD_ENV_FLAGS, runPybp, writeToolsConfig } from './pybp.js';

/** What the app's settings.py (run by the build's collectstatic step) saw. */
interface Seen {
  HOME: string | null;
  HOSTNAME: string | null;
  CNB_STACK_ID: string | null;
  LANG: string | null;
  TERM: string | null;
  PIP_CONFIG_FILE: string | null;
  homeIsDir: boolean;
}

describe('the build environment', () => {
  let root: string;
  let app: string;
  let userHome: string;
  let tmp: string;
  // In the app: a build's tools see the app (at /workspace with Heroku's paths) but not the host's /tmp.
  const seenFile = () => join(app, 'seen.json');

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    root = await makeTempDir('pybp build env-');
    app = join(root, 'env app');
    // tinyweb unpinned: the index's newest (1.1.0) unless a constraint says otherwise.
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb', 'fakedjango==5.0'] });
    await writeToolsConfig(app, indexUrl);
    await writeDjangoProject(app, { settingsExtra: settingsDump() });
    // The user's own pip config, as `pip config debug` lists it: ~/.config/pip/pip.conf.
    // (pip splits a config value on whitespace: this path has none.)
    userHome = await mkdtemp(join(tmpdir(), 'pybp-user-home-'));
    await mkdir(join(userHome, '.config', 'pip'), { recursive: true });
    await writeFile(join(userHome, 'constraints.txt'), 'tinyweb==1.0.0\n');
    await writeFile(join(userHome, '.config', 'pip', 'pip.conf'), `[global]\nconstraint = ${join(userHome, 'constraints.txt')}\n`);
    // pybp's temp directory for this file alone, so no other test's build is counted.
    tmp = await mkdtemp(join(tmpdir(), 'pybp env tmp-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
    await rm(userHome, { recursive: true, force: true });
  });

  const env = () => ({ HOME: userHome, TMPDIR: tmp });
  const buildJson = async (extra: string[] = []) => {
    const r = await runPybp(['build', app, '--json', '--python-source', 'local', '--target', 'heroku-24', ...BUILD_ENV_FLAGS, ...extra], { env: env() });
    return { ...(JSON.parse(r.stdout) as { status: string; environment: unknown; error: unknown }), code: r.code, stderr: r.stderr };
  };
  const installedTinyweb = () =>
    readdirSync(join(app, '.pybp', 'layers', 'venv', 'lib', 'python3.12', 'site-packages')).filter((e) => /^tinyweb-.*\.dist-info$/.test(e));
  const buildHomes = () => readdirSync(tmp).filter((e) => e.startsWith(BUILD_HOME_PREFIX));
  const seen = () => JSON.parse(readFileSync(seenFile(), 'utf8')) as Seen;

  it('by default: the user\'s pip config is not read, tools see a fresh HOME and lifecycle\'s variables, and the HOME is removed', async () => {
    const report = await buildJson();
    expect(report.status, report.stderr + JSON.stringify(report.error)).toBe('succeeded');
    expect(report.environment).toEqual({ kind: 'heroku-clean', origin: 'default' });
    expect(installedTinyweb()).toEqual(['tinyweb-1.1.0.dist-info']);
    const s = seen();
    expect(s.HOME).not.toBe(userHome);
    expect(s.HOME?.startsWith(join(tmp, BUILD_HOME_PREFIX))).toBe(true);
    expect(s.homeIsDir).toBe(true);
    expect(s.HOSTNAME).toBeTruthy();
    expect(s.CNB_STACK_ID).toBe('heroku-24');
    expect(s.LANG).toBeNull();
    expect(s.TERM).toBeNull();
    expect(s.PIP_CONFIG_FILE).toBe('/dev/null');
    expect(existsSync(s.HOME!)).toBe(false);
    expect(buildHomes()).toEqual([]);
  });

  it('explain plans the same layers either way and says which environment a build would use', async () => {
    const explain = async (extra: string[]) => {
      const r = await runPybp(['explain', app, '--json', '--python-source', 'local', '--target', 'heroku-24', ...BUILD_ENV_FLAGS, ...extra], { env: env() });
      return JSON.parse(r.stdout) as { environment: unknown; layers: Array<{ name: string; action: string }> };
    };
    const clean = await explain([]);
    const host = await explain(['--host-config']);
    expect(clean.environment).toEqual({ kind: 'heroku-clean', origin: 'default' });
    expect(host.environment).toEqual({ kind: 'host-config', origin: 'flag' });
    expect(host.layers.map((l) => [l.name, l.action])).toEqual(clean.layers.map((l) => [l.name, l.action]));
    const plain = await runPybp(['explain', app, '--python-source', 'local', '--host-config', ...BUILD_ENV_FLAGS], { env: env() });
    expect(plain.stdout).toContain('environment: your HOME and pip/uv/Poetry config (--host-config)');
  });

  it('with --host-config: the user\'s HOME and pip config apply, as before', async () => {
    const report = await buildJson(['--host-config']);
    expect(report.status, report.stderr + JSON.stringify(report.error)).toBe('succeeded');
    expect(report.environment).toEqual({ kind: 'host-config', origin: 'flag' });
    expect(installedTinyweb()).toEqual(['tinyweb-1.0.0.dist-info']);
    expect(seen().HOME).toBe(userHome);
    expect(buildHomes()).toEqual([]);
  });

  it('doctor warns about the user\'s pip config, naming the file, never its contents', async () => {
    const r = await runPybp(['doctor', app, '--json'], { env: env() });
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string; fix?: string }> };
    const c = report.checks.find((x) => x.id === 'host-tool-config');
    expect(c?.status).toBe('warn');
    expect(c?.message).toContain(`${join(userHome, '.config', 'pip', 'pip.conf')} (pip)`);
    expect(JSON.stringify(c)).not.toContain('constraints.txt');
  });

  it('a failed build removes its HOME too', async () => {
    await writeFile(join(app, 'fail'), '');
    try {
      const report = await buildJson();
      expect(report.code).toBe(1);
      expect(report.status).toBe('failed');
    } finally {
      await rm(join(app, 'fail'), { force: true });
    }
    expect(existsSync(seen().HOME!)).toBe(false);
    expect(buildHomes()).toEqual([]);
  });

  for (const presses of [1, 2]) {
    it(`Ctrl-C ${presses === 1 ? 'once' : 'twice ("now")'} while a tool runs: the build stops (130) and its HOME is removed`, async () => {
      await rm(seenFile(), { force: true });
      await writeFile(join(app, 'hold'), '');
      try {
        const build = startPybp(['build', app, '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: env() });
        // settings.py writes what it saw, then waits while the `hold` file exists.
        while (!existsSync(seenFile()) && build.running) await new Promise((r) => setTimeout(r, 100));
        expect(build.running).toBe(true);
        const home = seen().HOME!;
        expect(existsSync(home)).toBe(true);
        expect(buildHomes()).toHaveLength(1);
        for (let i = 0; i < presses; i++) build.signal('SIGINT');
        const result = await build.done;
        expect(result.code).toBe(130);
        expect(existsSync(home)).toBe(false);
        expect(buildHomes()).toEqual([]);
      } finally {
        await rm(join(app, 'hold'), { force: true });
      }
    });
  }
});

/**
 * Python for settings.py: record the environment in the app's seen.json, wait
 * while the app's `hold` exists, fail while its `fail` exists. The app is found
 * from settings.py itself (mysite/settings.py), as the tools see it: its host
 * path, or /workspace with Heroku's paths.
 */
function settingsDump(): string {
  return [
    'import json as _json, os as _os, time as _time',
    '_app = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))',
    '_seen = _os.path.join(_app, "seen.json")',
    '_hold = _os.path.join(_app, "hold")',
    '_names = ["HOME", "HOSTNAME", "CNB_STACK_ID", "LANG", "TERM", "PIP_CONFIG_FILE"]',
    '_out = {n: _os.environ.get(n) for n in _names}',
    '_out["homeIsDir"] = _os.path.isdir(_os.environ.get("HOME", ""))',
    'with open(_seen + ".part", "w") as _f:',
    '    _json.dump(_out, _f)',
    '_os.replace(_seen + ".part", _seen)',
    'while _os.path.exists(_hold):',
    '    _time.sleep(0.1)',
    'if _os.path.exists(_os.path.join(_app, "fail")):',
    '    raise RuntimeError("settings fail on purpose")',
  ].join('\n');
}
