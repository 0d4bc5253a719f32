// Every fix matches its cause (issue 18 item 6): for each error code doctor
// reports, on an app that produces it, the fix tells the user to create no file
// the app already has, and points at no check the report doesn't show.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../src/engine/doctor/index.js';
import { doctor, git, useTempApps } from './support.js';

const makeApp = useTempApps();

async function expectFixesMatch(app: string, report: DoctorReport): Promise<void> {
  const files = new Set(await readdir(app));
  const ids = new Set(report.checks.map((c) => c.id.split(':')[0]));
  for (const c of report.checks) {
    if (c.status === 'pass' || !c.fix) continue;
    for (const m of c.fix.matchAll(/\bcreate (?:a file named |a |an )?([.\w-]+\.?\w*)/gi)) {
      expect(files.has(m[1]), `${c.id} (${c.code}) says to create ${m[1]}, which the app has: ${c.fix}`).toBe(false);
    }
    for (const m of c.fix.matchAll(/\bthe ([a-z][a-z0-9]*(?:-[a-z0-9]+)+) check\b/g)) {
      expect(ids.has(m[1]), `${c.id} (${c.code}) refers to the ${m[1]} check, which is not shown: ${c.fix}`).toBe(true);
    }
  }
}

const PYPROJECT = (requires: string, extra = '') => `[project]\nname = "shop"\nversion = "0.1.0"\nrequires-python = "${requires}"\ndependencies = []\n${extra}`;

/** An app per code; each must make doctor report that code. */
const CASES: Array<{ code: string; files: Record<string, string>; env?: Record<string, string>; inGit?: boolean }> = [
  { code: 'runtime-txt-not-supported', files: { 'requirements.txt': '', 'runtime.txt': 'python-3.12.1', '.python-version': '3.12' } },
  { code: 'runtime-txt-not-supported', files: { 'requirements.txt': '', 'runtime.txt': 'python-3.12.1' } },
  { code: 'multiple-package-managers', files: { 'requirements.txt': '', 'poetry.lock': '', 'pyproject.toml': PYPROJECT('>=3.12'), '.python-version': '3.12' } },
  { code: 'python-version-eol', files: { 'requirements.txt': '', '.python-version': '3.8' } },
  { code: 'python-version-invalid', files: { 'requirements.txt': '', '.python-version': 'python-3.12' } },
  { code: 'forbidden-env-vars', files: { 'requirements.txt': '', '.python-version': '3.12' }, env: { PIP_USER: '1' } },
  { code: 'no-package-manager', files: { 'app.py': '', '.python-version': '3.12' } },
  { code: 'procfile-command-missing', files: { 'requirements.txt': 'flask==3.0.0\n', '.python-version': '3.12', Procfile: 'web: gunicorn app:app\n' } },
  { code: 'uv-sync-failed', files: { 'uv.lock': 'version = 1\n', 'pyproject.toml': PYPROJECT('>=3.13'), '.python-version': '3.12' } },
  { code: 'poetry-sync-failed', files: { 'poetry.lock': '', 'pyproject.toml': PYPROJECT('<3.12', '\n[tool.poetry]\npackage-mode = false\n'), '.python-version': '3.12' } },
  { code: 'poetry-root-not-installable', files: { 'poetry.lock': '', 'pyproject.toml': PYPROJECT('>=3.12'), '.python-version': '3.12' } },
  { code: 'path-outside-app', files: { 'requirements.txt': '-e ../elsewhere\n', '.python-version': '3.12' } },
];

describe('every fix matches its cause', () => {
  it.each(CASES.map((c, i) => [`${c.code} (${i})`, c] as const))('%s', async (_name, { code, files, env, inGit }) => {
    const app = await makeApp(files);
    if (inGit !== false) {
      git(app, 'init', '-q');
      git(app, 'add', '-A');
      git(app, 'commit', '-qm', 'app');
    }
    const report = await doctor(app, { env });
    const codes = report.checks.filter((c) => c.status !== 'pass').map((c) => c.code);
    expect(codes, report.checks.map((c) => `${c.id}=${c.status}`).join(', ')).toContain(code);
    await expectFixesMatch(app, report);
  });
});
