// Bad input: what a user's app directory may hold. Each case ends in a coded
// error (exit 1) or in what the buildpack does with it, never in pybp's
// internal-error, and nothing outside the layers directory is touched.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { repoRoot } from '../support/cache.js';
import type { CliOptions } from '../support/cli.js';
import { testInfra } from '../support/context.js';
import { build, BUILD_ENV_FLAGS, explain, runPybp, writeToolsConfig } from '../e2e/pybp.js';
import {
  buildOk,
  buildRun,
  type Decisions,
  decisionsOf,
  describeRun,
  expectAppRuns,
  explainDecisions,
  snapshotTree,
  treeChanges,
} from './harness.js';

type Report = { error: { code: string; message: string; fix: string; details?: string[] } | null; python?: { requested: string } | null; packageManager?: string | null };

/** explain and build, both as JSON; for cases that stop before anything is written. */
async function explainAndBuild(app: string, extra: string[] = []): Promise<{ explained: Report; built: Report & { exitCode: number | null }; explainExit: number | null }> {
  const e = await runPybp(['explain', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS, ...extra]);
  const b = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS, ...extra]);
  const parse = (text: string, what: string) => {
    try {
      return JSON.parse(text) as Report;
    } catch {
      throw new Error(`${what} printed no JSON:\n${text.slice(0, 2000)}`);
    }
  };
  return { explained: parse(e.stdout, 'explain'), explainExit: e.code, built: { ...parse(b.stdout, 'build'), exitCode: b.code } };
}

async function explainJson(app: string): Promise<Report> {
  const e = await runPybp(['explain', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
  try {
    return JSON.parse(e.stdout) as Report;
  } catch {
    throw new Error(`explain printed no JSON (exit ${e.code}):\n${e.stdout.slice(0, 2000)}\n${e.stderr}`);
  }
}

interface InputCase {
  name: string;
  /** Writes the bad input into a fresh app dir holding an empty requirements.txt. */
  setup: (app: string, scratch: string) => Promise<void>;
  /** The coded error, or (accepted input) what explain resolves. */
  expect: { code: string; shows?: string } | { requested: string; packageManager: string };
}

const bytes = (...b: number[]) => Buffer.from(b);

const INPUT_CASES: InputCase[] = [
  { name: '.python-version is binary (not UTF-8)', setup: (a) => writeFile(join(a, '.python-version'), bytes(0xff, 0xfe, 0x00, 0x33, 0x2e, 0x31, 0x32, 0x80)), expect: { code: 'python-version-file-unreadable', shows: 'UTF-8' } },
  { name: '.python-version of 20 MB on one line', setup: (a) => writeFile(join(a, '.python-version'), 'x'.repeat(20_000_000)), expect: { code: 'app-file-too-large', shows: 'at most 64 KiB' } },
  { name: '.python-version of 20 MB of version lines', setup: (a) => writeFile(join(a, '.python-version'), '3.12\n'.repeat(4_000_000)), expect: { code: 'app-file-too-large', shows: 'at most 64 KiB' } },
  { name: '.python-version over 2 GiB (sparse)', setup: async (a) => { await writeFile(join(a, '.python-version'), ''); await truncate(join(a, '.python-version'), 3 * 1024 ** 3); }, expect: { code: 'app-file-too-large', shows: '3072 MiB' } },
  { name: '.python-version with a BOM (kept by the buildpack\'s trim)', setup: (a) => writeFile(join(a, '.python-version'), '\uFEFF3.12\n'), expect: { code: 'python-version-invalid', shows: '\uFFFD3.12' } },
  { name: '.python-version with a NUL byte', setup: (a) => writeFile(join(a, '.python-version'), '3.12\u0000\n'), expect: { code: 'python-version-invalid', shows: '3.12\uFFFD' } },
  { name: '.python-version with CRLF line ends (accepted)', setup: (a) => writeFile(join(a, '.python-version'), '# pinned\r\n3.12\r\n'), expect: { requested: '3.12', packageManager: 'pip' } },
  { name: '.python-version is a symlink loop', setup: async (a) => symlinkSync('.python-version', join(a, '.python-version')), expect: { code: 'file-check-failed', shows: 'ELOOP' } },
  { name: 'requirements.txt is a symlink to a file elsewhere (present)', setup: async (a, s) => { writeFileSync(join(s, 'reqs.txt'), ''); rmSync(join(a, 'requirements.txt')); symlinkSync(join(s, 'reqs.txt'), join(a, 'requirements.txt')); await writeFile(join(a, '.python-version'), '3.12\n'); }, expect: { requested: '3.12', packageManager: 'pip' } },
  { name: 'requirements.txt is a broken symlink (absent)', setup: async (a) => { rmSync(join(a, 'requirements.txt')); symlinkSync('/nonexistent/requirements.txt', join(a, 'requirements.txt')); await writeFile(join(a, '.python-version'), '3.12\n'); }, expect: { code: 'no-package-manager' } },
  { name: 'requirements.txt is a symlink loop', setup: async (a) => { rmSync(join(a, 'requirements.txt')); symlinkSync('requirements.txt', join(a, 'requirements.txt')); await writeFile(join(a, '.python-version'), '3.12\n'); }, expect: { code: 'file-check-failed', shows: 'ELOOP' } },
  { name: 'two package manager files, one of them a symlink', setup: async (a) => { writeFileSync(join(a, 'real.lock'), ''); symlinkSync('real.lock', join(a, 'uv.lock')); await writeFile(join(a, '.python-version'), '3.12\n'); }, expect: { code: 'multiple-package-managers' } },
];

describe('bad files in the app directory', () => {
  for (const c of INPUT_CASES) {
    const want = 'code' in c.expect ? c.expect.code : `accepted as ${c.expect.requested}`;
    it(`${c.name}: ${want}`, async () => {
      const scratch = await makeTempDir('pybp bad-input-');
      const app = join(scratch, 'bad input app');
      mkdirSync(app);
      writeFileSync(join(app, 'requirements.txt'), '');
      await c.setup(app, scratch);
      const before = snapshotTree(scratch);
      if ('code' in c.expect) {
        const { explained, built, explainExit } = await explainAndBuild(app);
        for (const [report, exit] of [[explained, explainExit], [built, built.exitCode]] as const) {
          expect(report.error?.code, JSON.stringify(report.error)).toBe(c.expect.code);
          expect(exit).toBe(1);
          const text = [report.error!.message, ...(report.error!.details ?? [])].join('\n');
          if (c.expect.shows) expect(text).toContain(c.expect.shows);
          // Enough to recognise the input, never the whole of it.
          expect(text.length).toBeLessThan(6000);
          expect(report.error!.fix.length).toBeGreaterThan(10);
        }
        // Stopped before writing: not even the layers directory was made.
        expect(treeChanges(before, snapshotTree(scratch))).toEqual([]);
      } else {
        // Accepted input is judged by what explain resolves (a build of it is a whole first build; the
        // symlinked requirements.txt is built below, in "builds like the file").
        const explained = await explainJson(app);
        expect(explained.error, JSON.stringify(explained.error)).toBeNull();
        expect(explained.python?.requested).toBe(c.expect.requested);
        expect(explained.packageManager).toBe(c.expect.packageManager);
      }
    });
  }
});

describe('bad app directories', () => {
  it('missing: app-dir-not-found', async () => {
    const missing = join(await makeTempDir('pybp bad-input-'), 'no such app');
    const { explained, built } = await explainAndBuild(missing);
    expect(explained.error?.code).toBe('app-dir-not-found');
    expect(built.error?.code).toBe('app-dir-not-found');
    expect(built.exitCode).toBe(1);
    expect(existsSync(missing)).toBe(false);
  });

  it('a regular file: app-dir-not-a-directory', async () => {
    const scratch = await makeTempDir('pybp bad-input-');
    const file = join(scratch, 'requirements.txt');
    writeFileSync(file, 'tinyweb\n');
    const before = snapshotTree(scratch);
    const { explained, built } = await explainAndBuild(file);
    expect(explained.error?.code).toBe('app-dir-not-a-directory');
    expect(built.error?.code).toBe('app-dir-not-a-directory');
    expect(built.exitCode).toBe(1);
    expect(treeChanges(before, snapshotTree(scratch))).toEqual([]);
  });

  it('a symlink loop (unreadable even for root): app-dir-unreadable', async () => {
    const scratch = await makeTempDir('pybp bad-input-');
    const loop = join(scratch, 'app loop');
    symlinkSync(loop, loop);
    const { explained, built } = await explainAndBuild(loop);
    expect(explained.error?.code).toBe('app-dir-unreadable');
    expect(built.error?.code).toBe('app-dir-unreadable');
    expect(built.exitCode).toBe(1);
  });

  // Root reads a chmod 000 directory anyway (CAP_DAC_OVERRIDE): run as root,
  // pybp is started as `nobody` (setpriv); any other user runs it as itself.
  it('chmod 000, read by an unprivileged user: app-dir-unreadable', async () => {
    const scratch = await makeTempDir('pybp bad-input-');
    chmodSync(scratch, 0o755);
    const app = join(scratch, 'locked app');
    mkdirSync(app);
    writeFileSync(join(app, 'requirements.txt'), '');
    chmodSync(app, 0o000);
    const unprivileged = await unprivilegedCli(scratch);
    try {
      for (const command of ['explain', 'build']) {
        const r = await runPybp([command, app, '--json', '--python-source', 'local'], unprivileged);
        const report = JSON.parse(r.stdout) as Report;
        expect(report.error?.code, r.stdout + r.stderr).toBe('app-dir-unreadable');
        expect(r.code).toBe(1);
      }
    } finally {
      chmodSync(app, 0o755);
    }
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });

  it('a layers directory that is a symlink loop: refused as a link on the app\'s layers path (layers-dir-outside-app), never read', async () => {
    const scratch = await makeTempDir('pybp bad-input-');
    const app = join(scratch, 'app');
    mkdirSync(join(app, '.pybp'), { recursive: true });
    writeFileSync(join(app, 'requirements.txt'), '');
    writeFileSync(join(app, '.python-version'), '3.12\n');
    symlinkSync('layers', join(app, '.pybp', 'layers'));
    const before = snapshotTree(scratch);
    const { explained, built } = await explainAndBuild(app);
    for (const report of [explained, built]) {
      expect(report.error?.code, JSON.stringify(report.error)).toBe('layers-dir-outside-app');
      expect(report.error?.message).toContain('symlink');
    }
    expect(built.exitCode).toBe(1);
    expect(treeChanges(before, snapshotTree(scratch))).toEqual([]);
  });

  it('--layers-dir under a regular file: layers-dir-unwritable', async () => {
    const scratch = await makeTempDir('pybp bad-input-');
    const app = join(scratch, 'app');
    await makePipApp(app, { indexUrl: testInfra().indexUrl, python: '3.12', requirements: [] });
    writeFileSync(join(scratch, 'a file'), 'x');
    const before = snapshotTree(scratch);
    const report = await build(app, ['--layers-dir', join(scratch, 'a file', 'layers')]);
    expect(report.exitCode).toBe(1);
    expect(report.error?.code).toBe('layers-dir-unwritable');
    expect(report.error?.message).toContain(join(scratch, 'a file', 'layers'));
    expect(treeChanges(before, snapshotTree(scratch))).toEqual([]);
  });
});

/**
 * How to run pybp without root's right to read anything. Root drops to
 * `nobody` (setpriv). `nobody` may not be able to reach the repo (a clone in a
 * private 0700 directory, as mktemp makes them), so it runs a copy of the CLI
 * (package.json, dist/, node_modules/, hard-linked where possible) from a
 * world-readable dir, with a HOME it can write. Any other user already lacks
 * that right and runs this checkout's CLI as itself.
 */
async function unprivilegedCli(scratch: string): Promise<CliOptions> {
  if (process.getuid?.() !== 0) return {};
  const root = join(scratch, 'pybp');
  mkdirSync(root);
  for (const entry of ['package.json', 'dist', 'node_modules']) {
    const from = join(repoRoot, entry);
    try {
      execFileSync('cp', ['-al', from, join(root, entry)], { stdio: 'pipe' });
    } catch {
      rmSync(join(root, entry), { recursive: true, force: true });
      execFileSync('cp', ['-a', from, join(root, entry)], { stdio: 'pipe' });
    }
  }
  // Only the new directories: the files are hard links to the repo's own (already world-readable).
  execFileSync('find', [root, '-type', 'd', '-exec', 'chmod', 'a+rx', '{}', '+']);
  return {
    bin: join(root, 'dist', 'cli.js'),
    prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    env: { HOME: tmpdir() },
  };
}

// A real pip app, in a directory whose path has spaces and non-ASCII letters.
describe('a pip app at "app é 漢"', () => {
  let app: string;
  let AA: Decisions;
  let requirements: string;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'app é 漢');
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    requirements = readFileSync(join(app, 'requirements.txt'), 'utf8');
    await buildOk(app, await explainDecisions(app));
    AA = await explainDecisions(app);
  });

  it('builds and runs', async () => {
    await expectAppRuns(app, '3.12');
  });

  // Each line must reach pip as data (pybp runs no shell): the marker is never
  // made, pip rejects the line, and the build fails with pip's coded error.
  const LINES: Array<[string, (marker: string) => string]> = [
    ['$(command)', (m) => `$(touch ${m})`],
    ['backticks', (m) => `\`touch ${m}\``],
    ['; rm', (m) => `tinyweb==1.0.0; rm -rf ${m}-dir && touch ${m}`],
  ];
  for (const [what, line] of LINES) {
    it(`requirements.txt with ${what}: pip-dependencies-failed, no shell ran`, async () => {
      const marker = join(tmpdir(), `pybp-shell-marker-${process.pid}-${LINES.findIndex(([w]) => w === what)}`);
      mkdirSync(`${marker}-dir`, { recursive: true });
      writeFileSync(join(app, 'requirements.txt'), `${requirements}${line(marker)}\n`);
      const before = snapshotTree(app, (rel) => rel.startsWith('.pybp/layers'));
      const run = await buildRun(app);
      try {
        expect(run.code, describeRun(run)).toBe(1);
        expect(run.stderr).toContain('(pip-dependencies-failed)');
        // pip rejects the line: 'Invalid requirement', or for '; …' its marker parser's error.
        expect(run.stdout).toMatch(/Invalid requirement|Expected a marker variable/);
        expect(existsSync(marker), `${marker} was created: a shell ran`).toBe(false);
        expect(existsSync(`${marker}-dir`), `${marker}-dir was removed: a shell ran`).toBe(true);
        expect(treeChanges(before, snapshotTree(app, (rel) => rel.startsWith('.pybp/layers')))).toEqual([]);
      } finally {
        rmSync(marker, { force: true });
        rmSync(`${marker}-dir`, { recursive: true, force: true });
        writeFileSync(join(app, 'requirements.txt'), requirements);
      }
      // The failed build kept the previous layers.
      expect(await explainDecisions(app)).toEqual(AA);
    });
  }

  it('requirements.txt as a symlink to a file elsewhere builds like the file', async () => {
    const elsewhere = join(await makeTempDir(), 'reqs.txt');
    writeFileSync(elsewhere, requirements);
    rmSync(join(app, 'requirements.txt'));
    symlinkSync(elsewhere, join(app, 'requirements.txt'));
    try {
      await buildOk(app, AA);
      await expectAppRuns(app, '3.12');
    } finally {
      rmSync(join(app, 'requirements.txt'));
      writeFileSync(join(app, 'requirements.txt'), requirements);
    }
  });
});

// The buildpack never reads pyproject.toml or uv.lock itself: uv fails on
// them, and that is uv's coded error. doctor reads them and says so first.
describe('a uv app with malformed pyproject.toml and uv.lock', () => {
  let app: string;
  let AA: Decisions;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'malformed uv app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    await buildOk(app, await explainDecisions(app));
    AA = await explainDecisions(app);
  });

  for (const name of ['uv.lock', 'pyproject.toml']) {
    it(`${name} that is not TOML: uv-sync-failed, the previous layers kept; doctor reports it`, async () => {
      const good = readFileSync(join(app, name), 'utf8');
      writeFileSync(join(app, name), `${good.slice(0, good.length / 2)}\n[[[ not toml\n`);
      try {
        expect(await explainDecisions(app), 'the buildpack does not read it, so explain sees nothing').toEqual(AA);
        const report = await build(app);
        expect(report.exitCode).toBe(1);
        expect(report.error?.code, JSON.stringify(report.error)).toBe('uv-sync-failed');
        expect(await explainDecisions(app)).toEqual(AA);
        const doctor = await runPybp(['doctor', app, '--json', '--python-source', 'local']);
        const check = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; code?: string }> }).checks.find((c) => c.id === `toml:${name}`);
        expect(check, doctor.stdout).toMatchObject({ status: 'fail', code: 'uv-sync-failed' });
      } finally {
        writeFileSync(join(app, name), good);
      }
      expect(decisionsOf(await explain(app))).toEqual(AA);
    });
  }
});
