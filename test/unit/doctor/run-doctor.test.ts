import { stripVTControlCharacters } from 'node:util';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { doctorCommand } from '../../../src/commands/doctor.js';
import { CHECK_AREAS, countChecks } from '../../../src/engine/doctor/index.js';
import { doctorSummary, printDoctor } from '../../../src/ui/plain/doctor.js';
import { doctor, git, gitEnv, useTempApps } from './support.js';

const makeApp = useTempApps();

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => stripVTControlCharacters(text) };
}

describe('runDoctor', () => {
  it('collects every problem at once, grouped by area', async () => {
    const app = await makeApp({ 'requirements.txt': '', 'uv.lock': '', 'runtime.txt': '', '.python-version': '3.9' });
    const report = await doctor(app, { env: { PIP_USER: '1' } });
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    expect(failed).toEqual(expect.arrayContaining(['package-manager', 'runtime-txt', 'python-version-supported', 'forbidden-env']));
    const areaOrder = report.checks.map((c) => CHECK_AREAS.indexOf(c.area));
    expect(areaOrder).toEqual([...areaOrder].sort((a, b) => a - b));
  });

  it('is ok when only warnings remain', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '' }));
    expect(report.ok).toBe(true);
    expect(report.verdict).not.toBe('would-fail');
    expect(countChecks(report.checks).fail).toBe(0);
    expect(countChecks(report.checks).warn).toBeGreaterThan(0);
  });
});

describe('plain output', () => {
  it('groups by area with marks, a fix under each warning or failure, and a summary', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.10' });
    const report = await doctor(app, { env: { VIRTUAL_ENV: '/v' } });
    const { out, text } = capture();
    printDoctor(report, out);
    const lines = text().split('\n');
    expect(lines[0]).toBe(`pybp doctor ${app}`);
    expect(lines).toContain('python version');
    expect(lines).toContain('heroku readiness');
    expect(text()).toContain('  ✓ Package manager: pip (requirements.txt).');
    expect(text()).toMatch(/ {2}! Support for Python 3\.10 is deprecated.*\n {4}fix: Change the version in \.python-version/);
    expect(text()).toMatch(/ {2}✗ The config vars set VIRTUAL_ENV.*\n {4}fix: Unset VIRTUAL_ENV/);
    const { warn } = countChecks(report.checks);
    expect(lines.at(-2)).toBe(`1 problem, ${warn} warnings. Verdict: would fail: Heroku would fail this build (forbidden-env-vars).`);
  });

  it('summarises a clean report', () => {
    expect(doctorSummary({ app: '/a', verdict: 'would-build', ok: true, unchecked: [], checks: [{ id: 'x', area: 'git', status: 'pass', message: 'fine' }] })).toBe(
      'No problems, no warnings. Verdict: would build: every check ran, none failed.',
    );
    expect(
      doctorSummary({ app: '/a', verdict: 'would-build', ok: true, unchecked: [], checks: [{ id: 'x', area: 'git', status: 'warn', message: 'hm', fix: 'do' }] }),
    ).toBe('0 problems, 1 warning. Verdict: would build: every check ran, none failed.');
  });
});

describe('doctorCommand', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  /** doctorCommand runs git in pybp's own environment: keep it to the temp app. */
  function stubGitEnv(app: string): void {
    for (const key of Object.keys(process.env)) if (key.startsWith('GIT_')) vi.stubEnv(key, undefined);
    for (const [key, value] of Object.entries(gitEnv(app))) if (key.startsWith('GIT_')) vi.stubEnv(key, value);
  }

  function spyStdout(): () => string {
    let text = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += String(chunk);
      return true;
    });
    return () => text;
  }

  it('prints only JSON with --json and exits 1 when a check fails', async () => {
    const app = await makeApp({ 'poetry.lock': '', 'pyproject.toml': '' });
    stubGitEnv(app);
    const stdout = spyStdout();
    const code = await doctorCommand(app, { json: true, env: ['POETRY_HOME=/p'] });
    const parsed = JSON.parse(stdout()) as { ok: boolean; checks: Array<Record<string, unknown>> };
    expect(code).toBe(1);
    expect(parsed.ok).toBe(false);
    const forbidden = parsed.checks.find((c) => c.id === 'forbidden-env');
    expect(forbidden).toMatchObject({ area: 'heroku readiness', status: 'fail' });
    expect(Object.keys(forbidden!).sort()).toEqual(['area', 'code', 'fix', 'id', 'message', 'status']);
  });

  it('exits 3 (cannot-tell) when nothing fails but a check could not answer, naming it with what would settle it', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.13', Procfile: 'web: x' });
    stubGitEnv(app);
    const stdout = spyStdout();
    expect(await doctorCommand(app, { json: true })).toBe(3);
    const parsed = JSON.parse(stdout()) as { ok: boolean; verdict: string; unchecked: Array<{ check: string; why: string; settle: string }> };
    expect(parsed.ok).toBe(true);
    expect(parsed.verdict).toBe('cannot-tell');
    const web = parsed.unchecked.find((u) => u.check === 'procfile-command:web');
    expect(web?.why).toContain('x is known only after a build');
    expect(web?.settle).toContain('pybp build');
  });

  it('exits 0 (would-build) only when every check ran and none failed', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.13', Procfile: 'web: python -m http.server' });
    git(app, 'init', '-q');
    git(app, 'add', '-A');
    git(app, 'commit', '-qm', 'app');
    stubGitEnv(app);
    const stdout = spyStdout();
    const code = await doctorCommand(app, { json: true });
    const parsed = JSON.parse(stdout()) as { verdict: string; unchecked: unknown[] };
    expect(parsed.unchecked).toEqual([]);
    expect(parsed.verdict).toBe('would-build');
    expect(code).toBe(0);
  });

  it('exits 2 for a bad --env', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    const stdout = spyStdout();
    expect(await doctorCommand(app, { json: true, env: ['NOEQUALS'] })).toBe(2);
    expect(JSON.parse(stdout()).error.code).toBe('usage');
  });
});
