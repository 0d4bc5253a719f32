import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  pythonNotices,
  pythonWarnings,
  readPythonVersionFile,
  readRequestedPython,
  resolvePython,
} from '../../../src/engine/analysis/python-version.js';
import type { RequestedPython, ResolvedPython } from '../../../src/engine/analysis/types.js';
import { DEFAULT_PYTHON, LATEST_PATCH, NEWEST_SUPPORTED_MINOR, OLDEST_SUPPORTED_MINOR } from '../../../src/engine/core/versions.js';
import { expectPybpError, useTempApps, type Entry } from './temp-apps.js';

const makeApp = useTempApps();
const DEFAULT = `${DEFAULT_PYTHON.major}.${DEFAULT_PYTHON.minor}`;
const DEFAULT_REQUESTED = { major: DEFAULT_PYTHON.major, minor: DEFAULT_PYTHON.minor };

describe('readRequestedPython: defaults and the uv requirement', () => {
  it.each(['pip', 'poetry'] as const)('uses the buildpack default for %s when there is no .python-version', async (pm) => {
    const app = await makeApp({ 'requirements.txt': '' });
    expect(await readRequestedPython(app, pm)).toEqual({ requested: DEFAULT_REQUESTED, origin: 'buildpack default' });
  });

  it('fails with python-version-required-with-uv for uv without .python-version', async () => {
    const app = await makeApp({ 'uv.lock': '' });
    const error = await expectPybpError(() => readRequestedPython(app, 'uv'), 'python-version-required-with-uv');
    expect(error.message).toContain(join(app, '.python-version'));
    expect(error.message).toContain('uv');
    expect(error.fix).toContain(`uv python pin ${DEFAULT}`);
    expect(error.fix).toMatch(/root directory/);
    expect(error.fix).toMatch(/[Cc]ommit/);
    expect(error.fix).toMatch(/patch/);
  });

  it.each(['pip', 'poetry', 'uv'] as const)('reads .python-version for %s', async (pm) => {
    const app = await makeApp({ '.python-version': '3.12\n' });
    expect(await readRequestedPython(app, pm)).toEqual({
      requested: { major: 3, minor: 12 },
      origin: '.python-version',
    });
  });

  it('reads a pinned version and a symlinked file', async () => {
    const app = await makeApp({ 'config/pyver': '3.11.4', '.python-version': { symlink: 'config/pyver' } });
    expect(await readRequestedPython(app, 'pip')).toEqual({
      requested: { major: 3, minor: 11, patch: 4 },
      origin: '.python-version',
    });
  });
});

describe('readRequestedPython: runtime.txt', () => {
  it.each(['pip', 'poetry'] as const)('fails with runtime-txt-not-supported for %s, with the .python-version fix', async (pm) => {
    const app = await makeApp({ 'runtime.txt': 'python-3.12.3' });
    const error = await expectPybpError(() => readRequestedPython(app, pm), 'runtime-txt-not-supported');
    expect(error.message).toContain(join(app, 'runtime.txt'));
    expect(error.message).toContain('.python-version');
    expect(error.fix).toContain('Delete runtime.txt');
    expect(error.fix).toContain('.python-version');
    expect(error.fix).toMatch(/leading dot/);
    expect(error.fix).toMatch(/\.txt/);
    expect(error.fix).toContain(`should contain: ${DEFAULT}`);
    expect(error.fix).toMatch(/quotes/);
    expect(error.fix).toMatch(/patch/);
    expect(error.fix).not.toContain('uv python pin');
  });

  it('gives uv users numbered steps using uv python pin', async () => {
    const app = await makeApp({ 'runtime.txt': '' });
    const error = await expectPybpError(() => readRequestedPython(app, 'uv'), 'runtime-txt-not-supported');
    expect(error.fix).toContain('1. ');
    expect(error.fix).toContain('2. Delete runtime.txt');
    expect(error.fix).toContain(`3. Run: uv python pin ${DEFAULT}`);
    expect(error.fix).toMatch(/4\. Commit/);
    expect(error.fix).toMatch(/patch/);
  });

  it('fails whatever runtime.txt is: empty, a directory, a symlink, or next to a valid .python-version', async () => {
    const cases: Record<string, Entry>[] = [
      { 'runtime.txt': '' },
      { 'runtime.txt': { dir: true } },
      { 'other.txt': '3.12', 'runtime.txt': { symlink: 'other.txt' } },
      { 'runtime.txt': 'python-3.12.3', '.python-version': '3.12' },
      { 'runtime.txt': '', '.python-version': 'not a version' },
      { 'runtime.txt': '', '.python-version': new Uint8Array([0xff]) },
    ];
    for (const entries of cases) {
      const app = await makeApp(entries);
      await expectPybpError(() => readRequestedPython(app, 'pip'), 'runtime-txt-not-supported');
    }
  });

  it('ignores a broken runtime.txt symlink and other spellings', async () => {
    const app = await makeApp({ 'runtime.txt': { symlink: 'nowhere' }, 'Runtime.txt': '', 'runtime.txt.bak': '' });
    expect(await readRequestedPython(app, 'pip')).toEqual({ requested: DEFAULT_REQUESTED, origin: 'buildpack default' });
  });

  it('fails with file-check-failed when runtime.txt cannot be checked', async () => {
    const app = await makeApp({ 'runtime.txt': { symlink: 'runtime.txt' } });
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'file-check-failed');
    expect(error.title).toContain('runtime.txt');
    expect(error.message).toContain(join(app, 'runtime.txt'));
  });
});

describe('readRequestedPython: reading .python-version', () => {
  it.each([
    ['a directory', { '.python-version': { dir: true } }],
    ['a symlink to a directory', { d: { dir: true }, '.python-version': { symlink: 'd' } }],
    ['a broken symlink', { '.python-version': { symlink: 'nowhere' } }],
    ['a symlink through a regular file', { f: '', '.python-version': { symlink: 'f/child' } }],
    ['spelled differently', { '.Python-Version': '3.12', 'python-version': '3.12', '.python-version.txt': '3.12' }],
  ] as const)('treats .python-version as absent when it is %s', async (_what, entries) => {
    const app = await makeApp(entries);
    expect(await readRequestedPython(app, 'poetry')).toEqual({ requested: DEFAULT_REQUESTED, origin: 'buildpack default' });
    await expectPybpError(() => readRequestedPython(app, 'uv'), 'python-version-required-with-uv');
    expect(await readPythonVersionFile(app)).toBeUndefined();
  });

  it.each([
    ['a lone 0xFF byte', [0x33, 0x2e, 0x31, 0x32, 0xff]],
    ['a truncated sequence', [0x33, 0x2e, 0x31, 0x32, 0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xae]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['UTF-16 with a BOM', [0xff, 0xfe, 0x33, 0x00]],
  ])('fails with python-version-file-unreadable for %s', async (_what, bytes) => {
    const app = await makeApp({ '.python-version': new Uint8Array(bytes) });
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'python-version-file-unreadable');
    expect(error.message).toContain(join(app, '.python-version'));
    expect(error.message).toContain('stream did not contain valid UTF-8');
    expect(error.details).toEqual(['stream did not contain valid UTF-8']);
    expect(error.title).toContain('.python-version');
    expect(error.fix).toMatch(/UTF-8/);
    expect(error.fix).toMatch(/permission/);
  });

  it('fails with python-version-file-unreadable for a symlink loop', async () => {
    const app = await makeApp({ '.python-version': { symlink: '.python-version' } });
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'python-version-file-unreadable');
    expect(error.message).toContain(join(app, '.python-version'));
    expect(error.message).toContain('ELOOP');
  });

  it('keeps a UTF-8 BOM, which makes the version invalid', async () => {
    const app = await makeApp({ '.python-version': new Uint8Array([0xef, 0xbb, 0xbf, 0x33, 0x2e, 0x31, 0x32, 0x0a]) });
    expect(await readPythonVersionFile(app)).toBe('\uFEFF3.12\n');
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'python-version-invalid');
    expect(error.details).toEqual(['\uFFFD3.12']);
  });

  it('decodes valid multi-byte UTF-8 and shows it sanitised', async () => {
    const app = await makeApp({ '.python-version': '３.12\n' });
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'python-version-invalid');
    expect(error.details).toEqual(['\uFFFD.12']);
  });

  it('passes parse errors through: empty and multiple', async () => {
    await expectPybpError(
      async () => readRequestedPython(await makeApp({ '.python-version': '' }), 'pip'),
      'python-version-empty',
    );
    const error = await expectPybpError(
      async () => readRequestedPython(await makeApp({ '.python-version': '3.12\r\n3.13\r\n' }), 'uv'),
      'python-version-multiple',
    );
    expect(error.details).toEqual(['3.12', '3.13']);
  });

  it('reads the raw text, CRLF and all', async () => {
    const app = await makeApp({ '.python-version': '# c\r\n3.13\r\n' });
    expect(await readPythonVersionFile(app)).toBe('# c\r\n3.13\r\n');
    expect(await readPythonVersionFile(join(app, 'missing'))).toBeUndefined();
  });
});

function requested(text: string): RequestedPython {
  const [major, minor, patch] = text.split('.').map(Number);
  return patch === undefined ? { major, minor } : { major, minor, patch };
}

describe('resolvePython', () => {
  const supported = Array.from(
    { length: NEWEST_SUPPORTED_MINOR - OLDEST_SUPPORTED_MINOR + 1 },
    (_, i) => OLDEST_SUPPORTED_MINOR + i,
  );

  it('supports 3.10 to 3.14 in v6.5.6', () => {
    expect(supported).toEqual([10, 11, 12, 13, 14]);
    expect(Object.keys(LATEST_PATCH).map(Number)).toEqual(supported);
  });

  it.each(supported)('resolves the 3.%d alias to its latest patch', (minor) => {
    expect(resolvePython({ major: 3, minor }, '.python-version')).toEqual({
      requested: { major: 3, minor },
      requestedText: `3.${minor}`,
      resolved: `3.${minor}.${LATEST_PATCH[minor]}`,
      origin: '.python-version',
      patchPinned: false,
    });
  });

  it('resolves the default', () => {
    const resolved = resolvePython(DEFAULT_REQUESTED, 'buildpack default');
    expect(resolved.resolved).toBe(`${DEFAULT}.${LATEST_PATCH[DEFAULT_PYTHON.minor]}`);
    expect(resolved.origin).toBe('buildpack default');
    expect(resolved.patchPinned).toBe(false);
  });

  it.each(['3.10.0', '3.12.3', '3.12.999', '3.14.0', '3.11.65535'])('keeps pinned %s as is, without validation', (v) => {
    expect(resolvePython(requested(v), '.python-version')).toEqual({
      requested: requested(v),
      requestedText: v,
      resolved: v,
      origin: '.python-version',
      patchPinned: true,
    });
  });

  it.each([
    ['2.7', '2.7'],
    ['3.9', '3.9'],
    ['3.9.25', '3.9'],
    ['1.0', '1.0'],
    ['0.1', '0.1'],
    ['3.0', '3.0'],
    ['2.99', '2.99'],
    ['0.99.1', '0.99'],
  ])('fails with python-version-eol for %s', async (v, minorText) => {
    const error = await expectPybpError(() => resolvePython(requested(v), '.python-version'), 'python-version-eol');
    expect(error.message).toContain(`Python ${v}`);
    expect(error.message).toContain(`Python ${minorText} has reached`);
    expect(error.message).toContain('.python-version');
    expect(error.message).toContain('https://devguide.python.org/versions/#supported-versions');
    expect(error.fix).toContain(`3.${OLDEST_SUPPORTED_MINOR}`);
    expect(error.fix).toContain(`3.${NEWEST_SUPPORTED_MINOR}`);
    expect(error.fix).toContain('.python-version');
  });

  it.each([
    ['3.15', '3.15'],
    ['3.15.0', '3.15'],
    ['3.99', '3.99'],
    ['3.65535', '3.65535'],
    ['4.0', '4.0'],
    ['4.12.1', '4.12'],
    ['99.0', '99.0'],
  ])('fails with python-version-unknown for %s', async (v, minorText) => {
    const error = await expectPybpError(() => resolvePython(requested(v), '.python-version'), 'python-version-unknown');
    expect(error.message).toContain(`Python ${v}`);
    expect(error.message).toContain(`Python ${minorText} is not`);
    expect(error.message).toContain('.python-version');
    expect(error.fix).toContain('project.toml');
    expect(error.fix).toContain(DEFAULT);
  });

  it('re-formats the requested text from integers', () => {
    expect(resolvePython({ major: 3, minor: 12, patch: 3 }, '.python-version').requestedText).toBe('3.12.3');
  });
});

function resolved(v: string, origin: ResolvedPython['origin'] = '.python-version'): ResolvedPython {
  return resolvePython(requested(v), origin);
}

describe('pythonWarnings', () => {
  it.each(['3.10', '3.10.0', '3.10.5'])('warns that 3.10 is deprecated for %s', (v) => {
    const warnings = pythonWarnings(resolved(v));
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning.code).toBe('python-3.10-deprecated');
    expect(warning.title).toContain('3.10');
    expect(warning.title).toMatch(/deprecated/);
    expect(warning.message).toContain('October 2026');
    expect(warning.message).toContain('6th January 2027');
    expect(warning.message).toContain('https://devguide.python.org/versions/#supported-versions');
    expect(warning.message).toContain('https://devcenter.heroku.com/articles/python-support#supported-python-versions');
    expect(warning.message).toContain('.python-version file');
  });

  it.each(['3.11', '3.12.1', '3.13', '3.14', '3.14.0'])('does not warn for %s', (v) => {
    expect(pythonWarnings(resolved(v))).toEqual([]);
  });
});

describe('pythonNotices', () => {
  it('explains the default version and recommends .python-version', () => {
    const notices = pythonNotices(resolved(DEFAULT, 'buildpack default'));
    expect(notices).toHaveLength(1);
    expect(notices[0].code).toBe('python-default-version');
    expect(notices[0].message).toContain(`Python ${DEFAULT}`);
    expect(notices[0].message).toContain('.python-version');
    expect(notices[0].message).toMatch(/No Python version specified/);
  });

  it.each([
    ['3.12', '3.12'],
    ['3.12.3', '3.12.3'],
  ])('names the version from .python-version (%s)', (v, shown) => {
    expect(pythonNotices(resolved(v))).toEqual([
      { code: 'python-version-from-file', message: `Using Python version ${shown} specified in .python-version` },
    ]);
  });
});
