import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PybpError } from '../../../src/engine/core/errors.js';
import { choosePythonSource, pythonArchiveUrl, type ChoosePythonSourceArgs } from '../../../src/engine/python-source/index.js';
import type { Target } from '../../../src/engine/core/target.js';
import { PYTHON_ARCHIVE_URL_TEMPLATE } from '../../../src/engine/core/versions.js';
import { makeFakePython, tempDir } from './fake-python.js';

const heroku24: Target = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'host' };
const macos: Target = { arch: 'arm64', distro_name: 'macos', distro_version: '15.1', origin: 'host' };

describe('choosePythonSource', () => {
  let root: string;
  let pyenvRoot: string;
  beforeAll(() => {
    root = tempDir('choose');
    pyenvRoot = path.join(root, 'pyenv');
    makeFakePython(path.join(pyenvRoot, 'versions', '3.12.1'), '3.12.1');
    makeFakePython(path.join(pyenvRoot, 'versions', '3.12.13'), '3.12.13');
    makeFakePython(path.join(pyenvRoot, 'versions', '3.11.7'), '3.11.7');
    makeFakePython(path.join(pyenvRoot, 'versions', '3.11.2'), '3.11.2');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const args = (over: Partial<ChoosePythonSourceArgs>): ChoosePythonSourceArgs => ({
    resolvedVersion: '3.12.13',
    requestedPinned: false,
    source: 'auto',
    target: heroku24,
    hostIsTarget: false,
    search: { pyenvRoot, env: { PATH: '' }, home: path.join(root, 'home') },
    uv: { usable: false, why: 'the test says so' },
    ...over,
  });

  it('auto: uses the exact local version when it is installed, even when the host is the target', async () => {
    const choice = await choosePythonSource(args({ hostIsTarget: true }));
    expect(choice).toMatchObject({ kind: 'local', resolvedVersion: '3.12.13', substituted: false, requestedPinned: false });
    expect(choice.interpreter?.version).toBe('3.12.13');
    expect(choice.url).toBeUndefined();
    expect(choice.reason).toContain('3.12.13 is installed on this machine');
  });

  it('auto: downloads Heroku\'s archive when the exact version is missing and the host is the target', async () => {
    const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', hostIsTarget: true }));
    expect(choice).toMatchObject({
      kind: 'heroku',
      substituted: false,
      url: 'https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com/python-3.11.15-ubuntu-24.04-amd64.tar.zst',
    });
    expect(choice.interpreter).toBeUndefined();
    expect(choice.reason).toContain('matches the target (ubuntu 24.04 amd64)');
  });

  it('auto: substitutes the newest local patch when the host is not the target', async () => {
    const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', requestedPinned: true }));
    expect(choice).toMatchObject({ kind: 'local', substituted: true, requestedPinned: true, resolvedVersion: '3.11.15' });
    expect(choice.interpreter?.version).toBe('3.11.7');
    expect(choice.reason).toContain('3.11.15 is not installed');
    expect(choice.reason).toContain('3.11.7');
  });

  it('auto: substitutes when the host is the target but Heroku has no archive for it', async () => {
    const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', hostIsTarget: true, target: macos }));
    expect(choice).toMatchObject({ kind: 'local', substituted: true });
    expect(choice.reason).toContain('publishes no archive for macos 15.1 arm64');
  });

  it('auto with a custom URL template downloads for any target the host matches', async () => {
    const choice = await choosePythonSource(
      args({ resolvedVersion: '3.11.15', hostIsTarget: true, target: macos, urlTemplate: 'http://mirror/{distro_name}/{arch}/{version}.tzst' }),
    );
    expect(choice).toMatchObject({ kind: 'heroku', url: 'http://mirror/macos/arm64/3.11.15.tzst' });
  });

  it('local: exact when installed, else the newest patch of the minor', async () => {
    expect((await choosePythonSource(args({ source: 'local', hostIsTarget: true }))).interpreter?.version).toBe('3.12.13');
    const sub = await choosePythonSource(args({ source: 'local', resolvedVersion: '3.12.14', hostIsTarget: true }));
    expect(sub).toMatchObject({ kind: 'local', substituted: true });
    expect(sub.interpreter?.version).toBe('3.12.13');
    expect(sub.reason).toContain('python.source is "local"');
  });

  it('local: no interpreter of the minor is a python-interpreter-not-found error with install commands', async () => {
    const error = await choosePythonSource(args({ source: 'local', resolvedVersion: '3.14.7' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PybpError);
    const e = error as PybpError;
    expect(e.code).toBe('python-interpreter-not-found');
    expect(e.message).toContain('3.14.7');
    expect(e.fix).toContain('pyenv install 3.14');
    expect(e.fix).toContain('uv python install 3.14');
    expect(e.fix).toContain('python.interpreters');
    expect(e.details).toContain(`  pyenv: ${path.join(pyenvRoot, 'versions', '*', 'bin', 'python3.14')}`);
  });

  it('auto: the same error when nothing local exists and the host is not the target', async () => {
    const error = (await choosePythonSource(args({ resolvedVersion: '3.14.7' })).catch((e: unknown) => e)) as PybpError;
    expect(error.code).toBe('python-interpreter-not-found');
    expect(error.message).toContain("Heroku's archive for ubuntu 24.04 amd64 can't be used");
  });

  it('heroku: never looks locally and fills the template', async () => {
    const choice = await choosePythonSource(
      args({ source: 'heroku', target: { ...heroku24, arch: 'arm64', distro_version: '26.04' }, requestedPinned: true }),
    );
    expect(choice).toMatchObject({
      kind: 'heroku',
      substituted: false,
      requestedPinned: true,
      url: 'https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com/python-3.12.13-ubuntu-26.04-arm64.tar.zst',
    });
    expect(choice.reason).toContain('python.source is "heroku"');
  });

  it('heroku: a target Heroku does not publish for is refused unless the template is overridden', async () => {
    const error = (await choosePythonSource(args({ source: 'heroku', target: macos })).catch((e: unknown) => e)) as PybpError;
    expect(error.code).toBe('python-archive-target-unsupported');
    expect(error.message).toContain('macos 15.1 arm64');
    const ok = await choosePythonSource(args({ source: 'heroku', target: macos, urlTemplate: 'http://x/{version}-{distro_name}-{distro_version}-{arch}' }));
    expect(ok.url).toBe('http://x/3.12.13-macos-15.1-arm64');
  });

  describe('the uv source', () => {
    const usable = { usable: true } as const;

    it('auto: an exact local interpreter still comes first', async () => {
      const choice = await choosePythonSource(args({ uv: usable }));
      expect(choice).toMatchObject({ kind: 'local', substituted: false });
      expect(choice.interpreter?.version).toBe('3.12.13');
    });

    it("auto: Heroku's archive comes before uv when the host is the target", async () => {
      expect(await choosePythonSource(args({ resolvedVersion: '3.11.15', hostIsTarget: true, uv: usable }))).toMatchObject({ kind: 'heroku' });
    });

    it('auto: uv installs the exact patch before a local patch would stand in (host not the target)', async () => {
      const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', requestedPinned: true, uv: usable }));
      expect(choice).toMatchObject({ kind: 'uv', resolvedVersion: '3.11.15', substituted: false, requestedPinned: true });
      expect(choice.interpreter).toBeUndefined();
      expect(choice.url).toBeUndefined();
      expect(choice.reason).toContain("this machine is not the target (ubuntu 24.04 amd64), so Heroku's archive would not run here: pybp's uv installs exactly 3.11.15");
    });

    it('auto: uv also when Heroku publishes no archive for the target, and when no local patch of the minor exists', async () => {
      expect(await choosePythonSource(args({ resolvedVersion: '3.11.15', hostIsTarget: true, target: macos, uv: usable }))).toMatchObject({
        kind: 'uv',
        reason: expect.stringContaining('publishes no archive for macos 15.1 arm64') as unknown,
      });
      expect(await choosePythonSource(args({ resolvedVersion: '3.14.7', uv: usable }))).toMatchObject({ kind: 'uv', resolvedVersion: '3.14.7' });
    });

    it("auto: when uv can't be used, a local patch stands in and the reason says why uv was not used", async () => {
      const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', uv: { usable: false, why: 'UV_PYTHON_DOWNLOADS=never forbids uv to download Python' } }));
      expect(choice).toMatchObject({ kind: 'local', substituted: true });
      expect(choice.reason).toContain("uv can't install it (UV_PYTHON_DOWNLOADS=never forbids uv to download Python)");
    });

    it("auto: when uv's download host can't be reached, a local patch stands in and the reason says so; asked only on that path", async () => {
      let asked = 0;
      const unreachable = async () => {
        asked += 1;
        return { reachable: false as const, why: "its download host github.com can't be resolved from this machine (ENOTFOUND)" };
      };
      const choice = await choosePythonSource(args({ resolvedVersion: '3.11.15', uv: usable, uvReach: unreachable }));
      expect(choice).toMatchObject({ kind: 'local', substituted: true });
      expect(choice.interpreter?.version).toBe('3.11.7');
      expect(choice.reason).toContain("uv can't download it (its download host github.com can't be resolved from this machine (ENOTFOUND))");
      expect(asked).toBe(1);
      // An exact local interpreter, or python.source uv, never asks.
      expect(await choosePythonSource(args({ uv: usable, uvReach: unreachable }))).toMatchObject({ kind: 'local', substituted: false });
      expect(await choosePythonSource(args({ source: 'uv', uv: usable, uvReach: unreachable }))).toMatchObject({ kind: 'uv' });
      expect(asked).toBe(1);
      const reachable = await choosePythonSource(args({ resolvedVersion: '3.11.15', uv: usable, uvReach: async () => ({ reachable: true }) }));
      expect(reachable).toMatchObject({ kind: 'uv' });
    });

    it('uv: always uv, even when the exact version is installed locally', async () => {
      const choice = await choosePythonSource(args({ source: 'uv', uv: usable }));
      expect(choice).toMatchObject({ kind: 'uv', resolvedVersion: '3.12.13', substituted: false });
      expect(choice.reason).toContain('python.source is "uv"');
    });

    it('uv: where uv cannot be used, a python-uv-unavailable error that names the reason and the way out', async () => {
      const error = (await choosePythonSource(args({ source: 'uv', uv: { usable: false, why: 'uv publishes no Python builds for aix/ppc64' } })).catch(
        (e: unknown) => e,
      )) as PybpError;
      expect(error).toBeInstanceOf(PybpError);
      expect(error.code).toBe('python-uv-unavailable');
      expect(error.message).toContain('aix/ppc64');
      expect(error.fix).toContain('python.source to "local"');
    });
  });

  it('rejects a resolved version that is not X.Y.Z (a caller bug)', async () => {
    await expect(choosePythonSource(args({ resolvedVersion: '3.12' }))).rejects.toThrow(/X\.Y\.Z/);
  });
});

describe('pythonArchiveUrl', () => {
  it('fills every placeholder, wherever and however often it appears', () => {
    expect(pythonArchiveUrl(PYTHON_ARCHIVE_URL_TEMPLATE, '3.14.7', heroku24)).toBe(
      'https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com/python-3.14.7-ubuntu-24.04-amd64.tar.zst',
    );
    expect(pythonArchiveUrl('{arch}/{version}/{arch}/{unknown}', '3.10.20', heroku24)).toBe('amd64/3.10.20/amd64/{unknown}');
  });
});
