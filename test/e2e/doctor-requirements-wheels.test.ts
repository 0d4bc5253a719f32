// End-to-end: doctor's no-linux-wheel for a pip app, with the real pinned uv
// on the loopback index: a requirement with only a macOS wheel and an sdist
// (built from source on Heroku: warn), with only a macOS wheel (fail), with a
// manylinux wheel (pass); `-e .` (not checked, and nothing of the app runs);
// no pinned uv and an unreachable index (could not check). The index is given
// as a user gives it (`--env PIP_INDEX_URL=…`): doctor never asks one the
// app's requirements.txt names (test/safety/doctor-traffic.test.ts).
import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { cacheHomeWithPinnedUv } from '../support/tools.js';
import { buildSdist, publishWheel } from '../support/wheels.js';
import { BUILD_ENV_FLAGS, runPybp } from './pybp.js';

interface DoctorJson {
  ok: boolean;
  checks: Array<{ id: string; area: string; status: string; message: string; fix?: string; code?: string }>;
}

/**
 * doctor --json, asking `index` (default: the run's loopback index) as the user's PIP_INDEX_URL.
 * withUv: the tests' pinned uv on PATH (as a user who has it); false: none anywhere (an empty pybp
 * cache too, so no tool-dir copy either), and --offline, so doctor installs none of its own.
 */
async function doctor(app: string, withUv = true, extraEnv: Record<string, string> = {}, index = testInfra().indexUrl): Promise<{ report: DoctorJson; code: number | null }> {
  const { uvPath } = testInfra();
  const env = withUv ? { PATH: `${dirname(uvPath)}:${process.env.PATH ?? ''}`, ...extraEnv } : { XDG_CACHE_HOME: await makeTempDir(), ...extraEnv };
  const r = await runPybp(['doctor', app, '--json', ...(withUv ? [] : ['--offline']), ...BUILD_ENV_FLAGS, '--env', `PIP_INDEX_URL=${index}`], { env });
  try {
    return { report: JSON.parse(r.stdout) as DoctorJson, code: r.code };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

function wheelCheck(report: DoctorJson): DoctorJson['checks'][number] {
  const found = report.checks.filter((c) => c.id === 'no-linux-wheel');
  expect(found, report.checks.map((c) => c.id).join(', ')).toHaveLength(1);
  return found[0];
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

describe('doctor no-linux-wheel for requirements.txt, with the pinned uv', () => {
  let root: string;
  let markers: string;
  // Project names of this run only: the index is shared by every test file.
  const tag = randomBytes(3).toString('hex');
  const srcOnly = `srconly${tag}`;
  const macOnly = `maconly${tag}`;
  const linux = `linuxwheel${tag}`;
  const newerSrc = `newersrc${tag}`;

  beforeAll(async () => {
    root = await makeTempDir();
    markers = await makeTempDir('pybp-markers-');
    const { testWheelsDir } = testInfra();
    for (const [name, platform] of [
      [srcOnly, 'cp312-cp312-macosx_11_0_arm64'],
      [macOnly, 'cp312-cp312-macosx_11_0_arm64'],
      [linux, 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64'],
      [newerSrc, 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64'],
    ]) {
      await publishWheel(testWheelsDir, { name, version: '1.0.0' }, platform);
    }
    // Building this sdist would leave a marker: doctor must never build it.
    const setupPy = `open(${JSON.stringify(join(markers, 'sdist-built'))}, 'w').write('built')\nfrom setuptools import setup\nsetup(name=${JSON.stringify(srcOnly)}, version='1.0.0')\n`;
    await buildSdist(testWheelsDir, { name: srcOnly, version: '1.0.0', setupPy });
    // 1.0.0 has a manylinux wheel, the newer 2.0.0 only an sdist.
    await buildSdist(testWheelsDir, { name: newerSrc, version: '2.0.0', setupPy: setupPy.replace(`name=${JSON.stringify(srcOnly)}, version='1.0.0'`, `name=${JSON.stringify(newerSrc)}, version='2.0.0'`) });
  });

  it('warns for a package with only a macOS wheel and an sdist, naming it, and builds nothing', async () => {
    const app = await makePipApp(join(root, 'sdist only'), { indexUrl: null, python: '3.12', requirements: ['tinyweb==1.0.0', `${srcOnly}==1.0.0`] });
    const { report } = await doctor(app);
    const c = wheelCheck(report);
    expect(c.status, c.message).toBe('warn');
    expect(c.code).toBe('no-linux-wheel');
    expect(c.area).toBe('heroku readiness');
    expect(c.message).toContain(`so Heroku would build it from source`);
    expect(c.message).toContain(`(needs a compiler and headers, slow, and often fails): ${srcOnly} 1.0.0. Resolved by uv 0.11.33 for x86_64-manylinux_2_39, CPython 3.12.13, with wheels only.`);
    expect(c.message).toContain('CPython 3.12 on Ubuntu 24.04 (glibc 2.39, amd64)');
    expect(c.message).not.toContain('tinyweb');
    expect(c.fix).toContain('manylinux wheels for CPython 3.12');
    expect(await exists(join(markers, 'sdist-built'))).toBe(false);
  });

  it('fails for a package with only a macOS wheel, and still names the sdist-only one', async () => {
    const app = await makePipApp(join(root, 'mac only'), { indexUrl: null, python: '3.12', requirements: [`${macOnly}==1.0.0`, `${srcOnly}==1.0.0`, 'tinyweb==1.0.0'] });
    const { report, code } = await doctor(app);
    const c = wheelCheck(report);
    expect(c.status, c.message).toBe('fail');
    expect(c.code).toBe('no-linux-wheel');
    expect(c.message).toContain(`nor a source distribution, so installing on Heroku would fail: ${macOnly} 1.0.0 (wheels only for: macosx_11_0_arm64)`);
    expect(c.message).toContain(`Also built from source (no wheel, an sdist): ${srcOnly} 1.0.0.`);
    expect(report.ok).toBe(false);
    expect(code).toBe(1);
    expect(await exists(join(markers, 'sdist-built'))).toBe(false);
  });

  it('passes when every requirement has a manylinux or pure wheel', async () => {
    // tinyweb 1.0.0 (pure) requires tinydep, pinned here too.
    const app = await makePipApp(join(root, 'linux'), { indexUrl: null, python: '3.12', requirements: [`${linux}==1.0.0`, 'tinyweb==1.0.0', 'tinydep==0.1.0'] });
    const c = wheelCheck((await doctor(app)).report);
    expect(c.status, c.message).toBe('pass');
    expect(c.message).toBe(
      'All 3 packages requirements.txt resolves to have a wheel for CPython 3.12 on Ubuntu 24.04 (glibc 2.39, amd64). ' +
        'Resolved by uv 0.11.33 for x86_64-manylinux_2_39, CPython 3.12.13, with wheels only.',
    );
    expect(c.code).toBeUndefined();
  });

  it('not pinned with ==: warns when the newest version (pip\'s pick) has only an sdist, though an older one has a wheel', async () => {
    const app = await makePipApp(join(root, 'unpinned'), { indexUrl: null, python: '3.12', requirements: [`${newerSrc}>=1.0`, `${linux}>=1.0`, 'tinyweb==1.0.0'] });
    const c = wheelCheck((await doctor(app)).report);
    expect(c.status, c.message).toBe('warn');
    expect(c.code).toBe('no-linux-wheel');
    expect(c.message).toContain(`from source (needs a compiler and headers, slow, and often fails): ${newerSrc} 2.0.0 (not pinned: pip takes this newest version; 1.0.0 is the newest with a wheel).`);
    // linuxwheel and tinydep are not pinned either, and have no newer version.
    expect(c.message).not.toContain(linux);
    expect(c.message).not.toContain('tinydep');
    expect(await exists(join(markers, 'sdist-built'))).toBe(false);
  });

  it('does not hand `-e .` to uv: named as not checked, and the app\'s setup.py never runs', async () => {
    const app = await makePipApp(join(root, 'editable'), { indexUrl: null, python: '3.12', requirements: ['-e .', 'tinyweb==1.0.0'] });
    const marker = join(markers, 'setup-py-ran');
    await writeFile(join(app, 'setup.py'), `open(${JSON.stringify(marker)}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name='app', version='1.0')\n`);
    const c = wheelCheck((await doctor(app)).report);
    expect(c.status, c.message).toBe('warn');
    expect(c.message).toContain('All 2 packages requirements.txt resolves to have a wheel');
    expect(c.message).toContain('Not checked (not from a package index, so not given to the resolver; their dependencies neither): requirements.txt: `-e .`.');
    expect(c.code).toBeUndefined();
    expect(await exists(marker)).toBe(false);
  });

  it('says it could not check without the pinned uv, or when the index is unreachable, never pass', async () => {
    const app = await makePipApp(join(root, 'no uv'), { indexUrl: null, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    const noUv = wheelCheck((await doctor(app, false)).report);
    expect(noUv.status, noUv.message).toBe('warn');
    expect(noUv.message).toContain('Could not check whether requirements.txt has wheels for CPython 3.12');
    expect(noUv.message).toContain('the pinned uv 0.11.33 is not available');
    expect(noUv.message).toContain('--offline: pybp does not download uv 0.11.33');
    expect(noUv.fix).toContain('Run pybp doctor without --offline');

    // pybp's own copy of the pinned uv (what a build with python.source uv installs) is used when nothing else has it.
    const cache = await cacheHomeWithPinnedUv(await makeTempDir());
    const fromToolDir = wheelCheck((await doctor(app, false, { XDG_CACHE_HOME: cache })).report);
    expect(fromToolDir.status, fromToolDir.message).toBe('pass');

    // Port 1 on loopback: nothing listens, so the connection is refused.
    const c = wheelCheck((await doctor(app, true, {}, 'http://127.0.0.1:1/simple/')).report);
    expect(c.status, c.message).toBe('warn');
    expect(c.message).toContain('Could not check whether requirements.txt has wheels');
    expect(c.message).toMatch(/could not resolve the requirements: error: Request failed .*Connection refused/);
    expect(c.fix).toContain('uv pip compile requirements.txt --python-platform x86_64-manylinux_2_39 --python-version 3.12.13 --no-build');
  });
});
