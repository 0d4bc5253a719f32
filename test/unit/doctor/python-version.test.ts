import { describe, expect, it } from 'vitest';
import { check, doctor, expectStatus, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

describe('runtime.txt', () => {
  it('passes without one', async () => {
    expectStatus(check(await doctor(await makeApp({ 'requirements.txt': '' })), 'runtime-txt'), 'pass');
  });

  it('fails with one, and still checks .python-version', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '', 'runtime.txt': 'python-3.12.1', '.python-version': '3.9' }));
    const c = check(report, 'runtime-txt');
    expectStatus(c, 'fail');
    expect(c.code).toBe('runtime-txt-not-supported');
    expect(c.fix).toContain('Delete runtime.txt');
    expect(check(report, 'python-version-supported').code).toBe('python-version-eol');
  });

  it('gives the uv fix for a uv app without .python-version', async () => {
    const app = await makeApp({ 'uv.lock': '', 'pyproject.toml': '', 'runtime.txt': '' });
    const c = check(await doctor(app), 'runtime-txt');
    expectStatus(c, 'fail');
    expect(c.fix).toContain('uv python pin');
  });

  it('only says to delete runtime.txt when the app already has a .python-version (never to create one)', async () => {
    const apps: Array<Record<string, string>> = [{ 'uv.lock': '', 'pyproject.toml': '' }, { 'requirements.txt': '' }];
    for (const files of apps) {
      const app = await makeApp({ ...files, 'runtime.txt': 'python-3.13.1', '.python-version': '3.13' });
      const report = await doctor(app);
      const c = check(report, 'runtime-txt');
      expectStatus(c, 'fail');
      expect(c.code).toBe('runtime-txt-not-supported');
      expect(c.fix).toContain('Delete runtime.txt');
      expect(c.fix).not.toMatch(/create|uv python pin/i);
      // The check the fix points at is shown.
      expect(check(report, 'python-version-file').status).toBe('pass');
    }
  });
});

describe('.python-version', () => {
  it('passes when it holds a version', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '# pinned\n3.13\n' })), 'python-version-file');
    expectStatus(c, 'pass');
    expect(c.message).toContain('3.13');
  });

  it('warns when missing (default used), recommending one with 3.14', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '' }));
    const c = check(report, 'python-version-file');
    expectStatus(c, 'warn');
    expect(c.message).toContain('3.14');
    expect(c.fix).toContain('.python-version');
    expect(c.fix).toContain('3.14');
    expect(check(report, 'python-version-supported').message).toContain('3.14.7');
    expect(hasCheck(report, 'python-patch')).toBe(false);
  });

  it.each([
    ['python-3.12', 'python-version-invalid'],
    ['3.12\n3.13\n', 'python-version-multiple'],
    ['# nothing\n\n', 'python-version-empty'],
  ])('fails on %j with %s', async (text, code) => {
    const report = await doctor(await makeApp({ 'requirements.txt': '', '.python-version': text }));
    const c = check(report, 'python-version-file');
    expectStatus(c, 'fail');
    expect(c.code).toBe(code);
    expect(hasCheck(report, 'python-version-supported')).toBe(false);
  });

  it('lists every version line when there are several', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '3.12\n3.13\n' })), 'python-version-file');
    expect(c.message).toContain('- 3.12');
    expect(c.message).toContain('- 3.13');
  });

  it('fails when it is not UTF-8', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': new Uint8Array([0x33, 0x2e, 0xff]) });
    const c = check(await doctor(app), 'python-version-file');
    expectStatus(c, 'fail');
    expect(c.code).toBe('python-version-file-unreadable');
  });

  it('fails when it cannot be read (a symlink loop), as does detection, which stats it first', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '', '.python-version': { symlink: '.python-version' } }));
    const c = check(report, 'python-version-file');
    expectStatus(c, 'fail');
    expect(c.code).toBe('python-version-file-unreadable');
    const detect = check(report, 'detect');
    expectStatus(detect, 'fail');
    expect(detect.code).toBe('file-check-failed');
  });

  it('fails for uv without one', async () => {
    const c = check(await doctor(await makeApp({ 'uv.lock': '', 'pyproject.toml': '' })), 'python-version-file');
    expectStatus(c, 'fail');
    expect(c.code).toBe('python-version-required-with-uv');
  });
});

describe('version resolution', () => {
  it('passes for a supported version, naming the resolved one', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '3.12' })), 'python-version-supported');
    expectStatus(c, 'pass');
    expect(c.message).toContain('3.12.13');
  });

  it.each([
    ['3.9', 'python-version-eol'],
    ['2.7', 'python-version-eol'],
    ['3.15', 'python-version-unknown'],
    ['4.0', 'python-version-unknown'],
  ])('fails for %s with %s', async (version, code) => {
    const report = await doctor(await makeApp({ 'requirements.txt': '', '.python-version': version }));
    const c = check(report, 'python-version-supported');
    expectStatus(c, 'fail');
    expect(c.code).toBe(code);
    expectStatus(check(report, 'python-version-file'), 'pass');
  });

  it('warns that 3.10 is deprecated', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '3.10' })), 'python-version-supported');
    expectStatus(c, 'warn');
    expect(c.message).toContain('deprecated');
    expect(c.message).toContain('6th January 2027');
  });

  it('warns when the patch is pinned, suggesting X.Y', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '3.12.3' })), 'python-patch');
    expectStatus(c, 'warn');
    expect(c.message).toContain('security updates');
    expect(c.fix).toContain('3.12');
    expect(c.fix).not.toContain('3.12.3');
  });

  it('passes when the patch is not pinned', async () => {
    expectStatus(check(await doctor(await makeApp({ 'requirements.txt': '', '.python-version': '3.13' })), 'python-patch'), 'pass');
  });
});
