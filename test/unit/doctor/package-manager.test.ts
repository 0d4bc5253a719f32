import { describe, expect, it } from 'vitest';
import { DETECT_ENTRIES } from '../../../src/engine/analysis/detect.js';
import { MISSPELLED_REQUIREMENTS } from '../../../src/engine/doctor/package-manager.js';
import { check, doctor, expectStatus, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

describe('package manager', () => {
  it.each([
    ['requirements.txt', 'pip'],
    ['poetry.lock', 'Poetry'],
    ['uv.lock', 'uv'],
  ])('passes with only %s (%s)', async (marker, name) => {
    const c = check(await doctor(await makeApp({ [marker]: '', 'pyproject.toml': '' })), 'package-manager');
    expectStatus(c, 'pass');
    expect(c.message).toContain(`${name} (${marker})`);
  });

  it("fails with none, with the build's error and its checklist", async () => {
    const c = check(await doctor(await makeApp({ 'pyproject.toml': '[project]\nname = "x"\n' })), 'package-manager');
    expectStatus(c, 'fail');
    expect(c.code).toBe('no-package-manager');
    expect(c.message).toContain('requirements.txt, poetry.lock or uv.lock');
    expect(c.message).toContain('- the file is committed to git');
  });

  it('fails with several, listing each file', async () => {
    const app = await makeApp({ 'requirements.txt': '', 'uv.lock': '', 'poetry.lock': '' });
    const c = check(await doctor(app), 'package-manager');
    expectStatus(c, 'fail');
    expect(c.code).toBe('multiple-package-managers');
    expect(c.message).toContain('requirements.txt (pip), poetry.lock (Poetry), uv.lock (uv)');
  });
});

describe('misspelled requirements file', () => {
  it('uses the misspellings the buildpack detection lists', () => {
    for (const name of MISSPELLED_REQUIREMENTS) expect(DETECT_ENTRIES).toContain(name);
  });

  it.each(MISSPELLED_REQUIREMENTS.filter((n) => n !== 'requirements'))(
    'fails on %s without requirements.txt, telling to rename it',
    async (name) => {
      const c = check(await doctor(await makeApp({ [name]: 'flask\n' })), 'requirements-spelling');
      expectStatus(c, 'fail');
      expect(c.code).toBe('no-package-manager');
      expect(c.fix).toContain(`Rename ${name} to requirements.txt`);
    },
  );

  it('fails on a requirements/ directory, suggesting a requirements.txt that includes it', async () => {
    const c = check(await doctor(await makeApp({ 'requirements/prod.txt': 'flask\n' })), 'requirements-spelling');
    expectStatus(c, 'fail');
    expect(c.message).toContain('requirements/ directory');
    expect(c.fix).toContain('-r requirements/');
  });

  it('passes when requirements.txt is there too', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', 'requirement.txt': '' })), 'requirements-spelling');
    expectStatus(c, 'pass');
  });

  it('passes when another package manager file decides', async () => {
    const app = await makeApp({ 'uv.lock': '', 'pyproject.toml': '', 'requirement.txt': '' });
    expectStatus(check(await doctor(app), 'requirements-spelling'), 'pass');
  });
});

describe('pyproject.toml next to a lock file', () => {
  it('fails for uv.lock without pyproject.toml', async () => {
    const c = check(await doctor(await makeApp({ 'uv.lock': 'version = 1\n', '.python-version': '3.12' })), 'pyproject');
    expectStatus(c, 'fail');
    expect(c.code).toBe('uv-sync-failed');
  });

  it('fails for poetry.lock without pyproject.toml', async () => {
    const c = check(await doctor(await makeApp({ 'poetry.lock': '' })), 'pyproject');
    expectStatus(c, 'fail');
    expect(c.code).toBe('poetry-sync-failed');
  });

  it('passes when it is there, and is not asked of pip apps', async () => {
    expectStatus(check(await doctor(await makeApp({ 'poetry.lock': '', 'pyproject.toml': '' })), 'pyproject'), 'pass');
    expect(hasCheck(await doctor(await makeApp({ 'requirements.txt': '' })), 'pyproject')).toBe(false);
  });
});
