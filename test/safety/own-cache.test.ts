// pybp's own cache and state can't be planted, and what the config names is
// read like an app file: the real CLI against
// - a cache dir another user owns, or everyone can write, holding a planted
//   tools/uv-0.11.33/bin/uv (refused with a coded error; the planted uv never runs);
// - a planted uv in the user's own cache (not uv's binary: never run);
// - a planted V8 code cache in the user's own cache dir (never run);
// - a state dir everyone can write (refused);
// - python.uvDownloadsJsonUrl naming /dev/zero or a FIFO (coded error, uv never reached);
// - a download host only the repo's config names (explain and doctor don't look it up).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { codeCacheFile } from '../../src/code-cache.js';
import { UV_VERSION } from '../../src/engine/core/versions.js';
import { BUILD_ENV_FLAGS, pybpBin, runPybp } from '../e2e/pybp.js';
import { makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { makeScratch, safetyEnv } from './support.js';

const s = await makeScratch();
const isRoot = process.getuid?.() === 0;

interface DoctorJson {
  checks: Array<{ id: string; status: string; code?: string; message: string; fix?: string }>;
}
interface ExplainJson {
  source?: { kind: string; reason: string };
  error: { code: string; message: string } | null;
}

/** A uv app doctor would check the lock of (its lock is never right, which a planted "uv" would pass). */
async function uvApp(name: string): Promise<string> {
  const app = join(s.root, name, 'app');
  await mkdir(app, { recursive: true });
  await writeFile(join(app, '.python-version'), '3.12\n');
  await writeFile(join(app, 'pyproject.toml'), '[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.12"\ndependencies = ["tinyweb"]\n');
  await writeFile(join(app, 'uv.lock'), 'version = 1\nrevision = 3\nrequires-python = ">=3.12"\n');
  return app;
}

/** `<cacheHome>/pybp/tools/uv-<v>/bin/uv`: a script that records that it ran and says all is well. */
async function plantUv(cacheHome: string, marker: string): Promise<string> {
  const bin = join(cacheHome, 'pybp', 'tools', `uv-${UV_VERSION}`, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'uv'), `#!/bin/sh\necho ran >> '${marker}'\n[ "$1" = --version ] && echo "uv ${UV_VERSION}"\nexit 0\n`, { mode: 0o755 });
  return join(bin, 'uv');
}

function lockCheck(stdout: string): DoctorJson['checks'][number] | undefined {
  return (JSON.parse(stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date');
}

describe("pybp's cache dir, when another user could have written it", () => {
  it('everyone can write it (mode 777) and a uv is planted in tools/: doctor refuses the dir, the planted uv never runs (row 47)', async () => {
    const app = await uvApp('world-writable');
    const cacheHome = join(s.root, 'world-writable', 'cache');
    const marker = join(s.root, 'world-writable', 'planted-ran');
    await plantUv(cacheHome, marker);
    execFileSync('chmod', ['-R', '777', join(cacheHome, 'pybp')]);
    for (const flags of [['--offline'], []]) {
      const r = await runPybp(['doctor', app, '--json', ...flags], { env: safetyEnv(s, { XDG_CACHE_HOME: cacheHome, PATH: '/usr/bin:/bin' }) });
      const check = lockCheck(r.stdout);
      expect(check?.status).toBe('fail');
      expect(check?.code).toBe('pybp-cache-dir-unsafe');
      expect(check?.message).toContain('can be written by every user (mode 0777)');
      expect(check?.fix).toContain('chmod go-w');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('another user owns it: refused with the same code (as root: chown to nobody; else a link to a root-owned dir)', async () => {
    const app = await uvApp('foreign');
    const cacheHome = join(s.root, 'foreign', 'cache');
    const marker = join(s.root, 'foreign', 'planted-ran');
    if (isRoot) {
      await plantUv(cacheHome, marker);
      execFileSync('chown', ['-R', '65534:65534', join(cacheHome, 'pybp')]);
    } else {
      await mkdir(cacheHome, { recursive: true });
      await symlink('/usr/share', join(cacheHome, 'pybp'));
    }
    const r = await runPybp(['doctor', app, '--json'], { env: safetyEnv(s, { XDG_CACHE_HOME: cacheHome, PATH: '/usr/bin:/bin' }) });
    const check = lockCheck(r.stdout);
    expect(check?.code).toBe('pybp-cache-dir-unsafe');
    expect(check?.message).toMatch(/belongs to another user \(uid \d+, not \d+\)/);
    expect(existsSync(marker)).toBe(false);
  });

  it("a uv planted in the user's own cache is not uv's binary: doctor --offline does not run it and says why", async () => {
    const app = await uvApp('own-planted');
    const cacheHome = join(s.root, 'own-planted', 'cache');
    const marker = join(s.root, 'own-planted', 'planted-ran');
    const planted = await plantUv(cacheHome, marker);
    const r = await runPybp(['doctor', app, '--json', '--offline'], { env: safetyEnv(s, { XDG_CACHE_HOME: cacheHome, PATH: '/usr/bin:/bin' }) });
    const check = lockCheck(r.stdout);
    expect(check?.status).toBe('warn');
    expect(check?.message).toContain('Could not check whether uv.lock is up to date');
    expect(check?.message).toContain(`${planted} (not run: its sha256 ${createHash('sha256').update(readFileSync(planted)).digest('hex').slice(0, 16)}`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("pybp's state dir, when everyone can write it", () => {
  it('a build refuses it (its records say which layers dirs are pybp\'s) and writes nothing into the app', async () => {
    const app = join(s.root, 'state-777', 'app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'requirements.txt'), '');
    await writeFile(join(app, '.python-version'), '3.12\n');
    const state = join(s.root, 'state-777', 'state');
    await mkdir(join(state, 'pybp', 'layers-dirs'), { recursive: true });
    await chmod(join(state, 'pybp'), 0o777);
    const r = await runPybp(['build', app, '--json', '--python-source', 'local'], { env: { XDG_STATE_HOME: state } });
    const report = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(r.code).toBe(1);
    expect(report.error.code).toBe('pybp-state-dir-unsafe');
    expect(report.error.message).toContain('can be written by every user (mode 0777)');
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });
});

describe('a planted V8 code cache in the user\'s own cache dir', () => {
  it('never runs: `pybp --version` prints the version and the planted code does not run', async () => {
    const cacheHome = join(s.root, 'code-cache', 'cache');
    const marker = join(s.root, 'code-cache', 'planted-ran');
    const bundle = join(pybpBin, '..', 'pybp.cjs');
    const source = readFileSync(bundle, 'utf8');
    const sourceHash = createHash('sha1').update(source).digest();
    // Another program of the bundle's exact length: V8 checks only the length (and its flags).
    const body = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'planted'); module.exports = { main: async () => {} };`;
    const planted = `${body} /*`.padEnd(source.length - 2, ' ') + '*/';
    expect(planted.length).toBe(source.length);
    const wrap = (text: string) => `(function (exports, require, module, __filename, __dirname) { ${text}\n})`;
    const data = new vm.Script(wrap(planted), { filename: bundle }).createCachedData();
    const file = codeCacheFile(join(cacheHome, 'pybp', 'code-cache'), bundle, sourceHash);
    await mkdir(join(cacheHome, 'pybp', 'code-cache'), { recursive: true });
    // The old header (the data's own SHA-1), then an HMAC under a key that is not the user's.
    const { createHmac } = await import('node:crypto');
    const headers = [createHash('sha1').update(data).digest(), createHmac('sha256', Buffer.alloc(32, 1)).update(sourceHash).update(data).digest()];
    for (const header of headers) {
      await writeFile(file, Buffer.concat([sourceHash, header, data]));
      const r = await runPybp(['--version'], { env: safetyEnv(s, { XDG_CACHE_HOME: cacheHome }) });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
      expect(existsSync(marker)).toBe(false);
    }
    // The key lives in the state dir, never in the cache dir.
    const key = join(s.state, 'pybp', 'code-cache.key');
    expect(readFileSync(key).length).toBe(32);
  });
});

describe('python.uvDownloadsJsonUrl naming a special file', () => {
  const special = async (name: string, value: (dir: string) => Promise<string>) => {
    const app = join(s.root, name, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, '.python-version'), '3.12.13\n');
    await writeFile(join(app, 'requirements.txt'), '');
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ python: { source: 'uv', uvDownloadsJsonUrl: await value(join(s.root, name)) } }));
    return app;
  };
  const cases: Array<[string, (dir: string) => Promise<string>, string]> = [
    ['/dev/zero', () => Promise.resolve('/dev/zero'), 'is a character device'],
    [
      'a FIFO as a file: URL',
      async (dir) => {
        execFileSync('mkfifo', [join(dir, 'list.fifo')]);
        return `file://${join(dir, 'list.fifo')}`;
      },
      'is a named pipe (FIFO)',
    ],
  ];
  it.each(cases)('%s: explain and build stop with app-file-not-regular, doctor warns with it, and uv is never reached', async (label, value, says) => {
    const app = await special(`downloads-${label.replace(/\W+/g, '-')}`, value);
    const cacheHome = join(app, '..', 'cache');
    // uv may download Python here (the tests' env forbids it): only the file check stops it.
    const env = { ...safetyEnv(s, { XDG_CACHE_HOME: cacheHome }), UV_PYTHON_DOWNLOADS: undefined };
    for (const command of ['explain', 'build']) {
      const r = await runPybp([command, app, '--json'], { env, timeoutMs: 60_000 });
      const report = JSON.parse(r.stdout) as ExplainJson;
      expect(r.code, `${command}: ${r.stdout}`).toBe(1);
      expect(report.error?.code).toBe('app-file-not-regular');
      expect(report.error?.message).toContain(says);
    }
    const d = await runPybp(['doctor', app, '--json', '--offline'], { env, timeoutMs: 60_000 });
    const check = (JSON.parse(d.stdout) as DoctorJson).checks.find((c) => c.id === 'python-interpreter');
    expect(check?.code).toBe('app-file-not-regular');
    // Neither pybp's uv nor a uv Python was installed: uv was never going to be given the file.
    expect(existsSync(join(cacheHome, 'pybp', 'tools'))).toBe(false);
    expect(existsSync(join(cacheHome, 'pybp', 'uv-python'))).toBe(false);
  });
});

describe("a download host only the repo's config names (row 72)", () => {
  it('explain and doctor send no lookup for it and say the build depends on it; a host in the user\'s --config is looked up', async () => {
    const app = join(s.root, 'mirror', 'app');
    await mkdir(app, { recursive: true });
    // No local 3.12.13 here and this machine is no Heroku stack: auto would pick uv.
    await writeFile(join(app, '.python-version'), '3.12.13\n');
    await writeFile(join(app, 'requirements.txt'), '');
    const host = 'pybp-row72-probe.invalid';
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ python: { uvMirror: `https://${host}/pbs` } }));
    const log = join(s.root, 'mirror', 'lookups');
    // Records every name pybp's Node asks the resolver for.
    const hook = join(s.root, 'mirror', 'dns-hook.cjs');
    await writeFile(
      hook,
      [
        "const fs = require('node:fs'); const dns = require('node:dns'); const p = require('node:dns/promises');",
        `const log = (h) => fs.appendFileSync(${JSON.stringify(log)}, h + '\\n');`,
        'const l = dns.lookup; dns.lookup = function (h, ...a) { log(h); return l.call(this, h, ...a); };',
        'const pl = p.lookup; p.lookup = function (h, ...a) { log(h); return pl.call(this, h, ...a); };',
      ].join('\n'),
    );
    const env = { ...safetyEnv(s, { NODE_OPTIONS: `--require ${JSON.stringify(hook)}`, XDG_CACHE_HOME: join(s.root, 'mirror', 'cache') }), UV_PYTHON_DOWNLOADS: undefined };
    const lookups = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

    const explained = JSON.parse((await runPybp(['explain', app, '--json'], { env })).stdout) as ExplainJson;
    expect(explained.source?.kind).toBe('uv');
    expect(explained.source?.reason).toContain(`That is if ${host}, named by the app's config as uv's download host, resolves when the build runs`);
    const doctored = JSON.parse((await runPybp(['doctor', app, '--json', '--offline'], { env })).stdout) as DoctorJson;
    expect(doctored.checks.find((c) => c.id === 'python-interpreter')?.message).toContain(`That depends on ${host}`);
    expect(lookups()).not.toContain(host);

    // The same mirror in a config file the user names: looked up (it does not resolve, so a local patch stands in).
    const userConfig = join(s.root, 'mirror', 'user.json');
    await writeFile(userConfig, JSON.stringify({ python: { uvMirror: `https://${host}/pbs` } }));
    const own = JSON.parse((await runPybp(['explain', app, '--json', '--config', userConfig], { env })).stdout) as ExplainJson;
    expect(own.source?.reason).toContain(`its download host ${host} can't be resolved`);
    expect(lookups()).toContain(host);
  });
});

describe('a uv layer whose binary was changed after pybp made it', () => {
  it('the next build does not run it: pinned-tool-hash-mismatch', async () => {
    const app = await makeUvApp(join(s.root, 'uv-layer', 'app'), { indexUrl: testInfra().indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const env = safetyEnv(s);
    const args = ['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS];
    const first = JSON.parse((await runPybp(args, { env })).stdout) as { status: string };
    expect(first.status).toBe('succeeded');
    const layerUv = join(app, '.pybp', 'layers', 'uv', 'bin', 'uv');
    const marker = join(s.root, 'uv-layer', 'planted-ran');
    await writeFile(layerUv, `#!/bin/sh\necho ran >> '${marker}'\nexit 0\n`);
    const r = await runPybp(args, { env });
    const report = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string } };
    expect(report.status).toBe('failed');
    expect(report.error.code).toBe('pinned-tool-hash-mismatch');
    expect(report.error.message).toContain(`${layerUv} should be uv ${UV_VERSION}`);
    expect(existsSync(marker)).toBe(false);
  }, 300_000);
});
