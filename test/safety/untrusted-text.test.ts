// Text from a repo never reaches the terminal raw, no config var value ever
// appears in a message, and every command pybp suggests runs as printed: the
// real CLI on apps whose file names, Procfile, config keys, history and config
// vars carry escape sequences, newlines, NULs and sizes past what the OS takes.
// (The output is plain lines: the runner's stdout is a pipe and NO_COLOR is set,
// so pybp writes no escape sequence of its own.)
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { adoptLayersDir } from '../support/owned-layers.js';
import { BUILD_ENV_FLAGS, runPybp, writeToolsConfig } from '../e2e/pybp.js';
import { makeApp, makeScratch, pybpJson, safetyEnv, type Scratch } from './support.js';

let s: Scratch;

beforeAll(async () => {
  s = await makeScratch();
});

const OSC52 = '\u001b]52;c;aGVsbG8=\u0007';
const SPOOF = '0 problems, 0 warnings. Heroku would build this app.';

/** Nothing in the output a terminal would take as an instruction, and no spoofed line. */
function expectInert(output: string): void {
  expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  for (const line of output.split('\n')) expect(line.trimStart().startsWith(SPOOF), line).toBe(false);
}

function pybp(args: string[], cwd?: string, extra: Record<string, string> = {}) {
  return runPybp(args, { env: safetyEnv(s, extra), cwd });
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
}

async function gitApp(name: string): Promise<string> {
  const app = await makeApp(join(s.root, name));
  await writeFile(join(app, 'Procfile'), 'web: python -m http.server $PORT\n');
  git(app, 'init', '-q');
  git(app, 'add', '-A');
  git(app, 'commit', '-qm', 'init');
  return app;
}

describe('names from the app are shown inert (rows 45, 46)', () => {
  it('an untracked file with an OSC 52 sequence, one with a newline and a spoofed summary, one with spaces and $: doctor shows them inert, on one line, and its git add runs as printed', async () => {
    const app = await gitApp('names app');
    const names = [`a${OSC52}.txt`, `x\n${SPOOF}`, 'my $HOME file.txt'];
    for (const n of names) writeFileSync(join(app, n), 'x');
    const r = await pybp(['doctor', app]);
    const out = r.stdout + r.stderr;
    expectInert(out);
    expect(out).toContain('a\\x1b]52;c;aGVsbG8=\\x07.txt');
    expect(out).toContain(`x\\n${SPOOF}`);

    // --json is one JSON document with the same words, inert on a terminal too.
    const json = await pybp(['doctor', app, '--json']);
    expectInert(json.stdout.replace(/\n/g, ' '));
    const untracked = (JSON.parse(json.stdout) as { checks: Array<{ id: string; message: string }> }).checks.find((c) => c.id === 'git-untracked');
    expect(untracked?.message).toContain('a\\x1b]52;c;aGVsbG8=\\x07.txt');

    // The fix is one shell command that adds exactly these files.
    const fix = /\((git add -- .*?) && git commit/.exec(out)?.[1];
    expect(fix, out).toBeDefined();
    expect(spawnSync('bash', ['-c', fix!], { cwd: app }).status).toBe(0);
    expect(git(app, 'diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean).sort()).toEqual([...names].sort());
  });

  it('a Procfile command with escape sequences: doctor shows it inert', async () => {
    const app = await gitApp('procfile app');
    await writeFile(join(app, 'Procfile'), `web: gunicorn ${OSC52}\u001b[2J\u009b31m app:app\n`);
    git(app, 'commit', '-qam', 'procfile');
    const r = await pybp(['doctor', app]);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout).toContain('gunicorn \\x1b]52;c;aGVsbG8=\\x07\\x1b[2J\\x9b31m app:app');
  });

  it('a config key with an ESC and a newline: config-invalid shows it inert (build, explain, doctor)', async () => {
    const app = await makeApp(join(s.root, 'key app'));
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ env: { [`K${OSC52}\n${SPOOF}`]: '1' } }));
    for (const cmd of ['build', 'explain', 'doctor']) {
      const r = await pybp([cmd, app]);
      expect(r.code, cmd).toBe(1);
      expectInert(r.stdout + r.stderr);
      expect(r.stdout + r.stderr).toContain('config-invalid');
      expect(r.stdout + r.stderr).toContain(`K\\x1b]52;c;aGVsbG8=\\x07\\n${SPOOF}`);
    }
  });

  it('--since with an ESC in the ref: the error shows it inert (row 65)', async () => {
    const app = await gitApp('since app');
    const r = await pybp(['explain', app, '--since', `main${OSC52}`]);
    expect(r.code).not.toBe(0);
    expectInert(r.stdout + r.stderr);
  });
});

describe("pybp's own history, tampered (rows 42, 43)", () => {
  async function appWithHistory(name: string, history: unknown): Promise<string> {
    const app = await makeApp(join(s.root, name));
    const layers = join(app, '.pybp', 'layers');
    await adoptLayersDir(layers, { XDG_STATE_HOME: s.state });
    await writeFile(join(layers, '.pybp', 'history.json'), JSON.stringify(history));
    return app;
  }

  const entry = (over: Record<string, unknown> = {}) => ({
    id: 1,
    startedAt: '2026-12-01T14:02:03.000Z',
    status: 'failed',
    durationMs: 4000,
    python: { requested: '3.12', resolved: '3.12.13', origin: '.python-version', interpreter: `local${OSC52}` },
    packageManager: 'pip',
    target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' },
    error: { code: 'pip-dependencies-failed', title: `pip failed${OSC52}\n${SPOOF}` },
    layers: [{ name: 'venv', action: 'create', reasons: [{ field: 'f', from: `a${OSC52}`, to: 'b', message: `changed\n${SPOOF}` }], outcome: 'rolled-back', durationMs: 100, sizeBytes: 1, inputs: null }],
    ...over,
  });

  it('ESC/OSC sequences and newlines in its strings are shown inert by history and explain --last', async () => {
    const app = await appWithHistory('history app', { version: 1, builds: [entry()] });
    for (const args of [['history', app], ['explain', app, '--last']]) {
      const r = await pybp(args);
      expect(r.code, args.join(' ')).toBe(0);
      expectInert(r.stdout + r.stderr);
    }
    // explain --last shows the build's strings: the interpreter, the error's title, the reasons.
    const last = await pybp(['explain', app, '--last']);
    expect(last.stdout).toContain('interpreter: local\\x1b]52;c;aGVsbG8=\\x07');
    expect(last.stdout).toContain(`pip failed\\x1b]52;c;aGVsbG8=\\x07\\n${SPOOF}`);
  });

  it('a history that passes a shape check but holds what pybp never writes is unreadable: reported, no TypeError, no undefined or NaN', async () => {
    const tampered = entry({ durationMs: 'abc', layers: [{ name: 'venv', action: 'evil', reasons: [null], outcome: 'done', durationMs: 1, sizeBytes: 1, inputs: null }] });
    const app = await appWithHistory('tampered app', { version: 1, builds: [tampered] });
    for (const args of [['history', app], ['explain', app, '--last'], ['explain', app, '--build', '1']]) {
      const r = await pybp(args);
      const out = r.stdout + r.stderr;
      expect(out, args.join(' ')).not.toMatch(/TypeError|internal-error|undefined|NaN/);
      expect(out).toMatch(/history is unreadable|could not be read|unreadable/);
    }
    const json = await pybp(['history', app, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ builds: [] });
  });
});

describe('config var values: never shown, always passable (rows 20, 25, 48, 49, 67)', () => {
  const SECRET = 'hunter2';

  it('--env with a typo (API_TOKEN:abc123secret) is a usage error that does not echo the value', async () => {
    const app = await makeApp(join(s.root, 'typo app'));
    for (const cmd of [['run', app, '--env', 'API_TOKEN:abc123secret', '--', 'true'], ['build', app, '--env', 'API_TOKEN:abc123secret'], ['doctor', app, '--env', 'API_TOKEN:abc123secret', '--json']]) {
      const r = await pybp(cmd);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stdout + r.stderr).not.toContain('abc123secret');
      expect(r.stdout + r.stderr).toContain('usage');
    }
  });

  it('--env names 1BAD, "A B", a newline and __proto__ are rejected by build and run, shown inert', async () => {
    const app = await makeApp(join(s.root, 'names env app'));
    for (const name of ['1BAD', 'A B', `K\n${SPOOF}`, '__proto__', `K${OSC52}`]) {
      for (const cmd of [['build', app], ['run', app]]) {
        const r = await pybp([...cmd, '--env', `${name}=${SECRET}`, ...(cmd[0] === 'run' ? ['--', 'true'] : [])]);
        expect(r.code, `${cmd[0]} ${name}`).toBe(2);
        expect(r.stdout + r.stderr).toContain('Bad --env name');
        expect(r.stdout + r.stderr).not.toContain(SECRET);
        expectInert(r.stdout + r.stderr);
      }
    }
  });

  it('__proto__ in the config file or .env is refused with a code, not dropped', async () => {
    const app = await makeApp(join(s.root, 'proto app'));
    await writeFile(join(app, '.buildpackrc.json'), `{"env": {"__proto__": "${SECRET}"}}`);
    const fromConfig = await pybpJson(s, ['explain', app]);
    expect(fromConfig.error?.code).toBe('config-invalid');
    expect(fromConfig.error?.message).toContain('__proto__');
    expect(fromConfig.raw.stdout).not.toContain(SECRET);
    await writeFile(join(app, '.buildpackrc.json'), '{}');
    await writeFile(join(app, '.env'), `__proto__=${SECRET}\n`);
    const fromDotenv = await pybp(['run', app, '--', 'true']);
    expect(fromDotenv.code).toBe(1);
    expect(fromDotenv.stderr).toContain('env-file-invalid');
    expect(fromDotenv.stderr).toContain('__proto__');
    expect(fromDotenv.stderr).not.toContain(SECRET);
  });

  it('a NUL in a value (.env, the config file\'s env) is a coded error naming the variable, never the value', async () => {
    const app = await makeApp(join(s.root, 'nul app'));
    await writeFile(join(app, '.env'), `OTHER=1\nSECRET=${SECRET}\u0000x\n`);
    const run = await pybp(['run', app, '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(env-file-invalid)');
    expect(run.stderr).toContain('line 2');
    expect(run.stderr).toContain('SECRET');
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).not.toContain('internal-error');

    await writeFile(join(app, '.env'), '');
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ env: { SECRET: `${SECRET}\u0000x` } }));
    for (const cmd of ['build', 'doctor', 'explain']) {
      const r = await pybpJson(s, [cmd, app]);
      expect(r.error?.code, cmd).toBe('config-invalid');
      expect(r.error?.message).toContain('SECRET');
      expect(r.raw.stdout + r.raw.stderr).not.toContain(SECRET);
    }
    const ran = await pybp(['run', app, '--', 'true']);
    expect(ran.stderr).toContain('config-invalid');
    expect(ran.stderr).not.toContain(SECRET);
  });

  it('a value past what the OS passes (200 KiB in .env, in the config file; 1 MiB together) is config-var-too-large, not spawn E2BIG', async () => {
    const app = await makeApp(join(s.root, 'big app'));
    const big = `${SECRET}${'a'.repeat(200 * 1024)}`;
    await writeFile(join(app, '.env'), `BIG=${big}\n`);
    const run = await pybp(['run', app, '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(config-var-too-large)');
    expect(run.stderr).toContain('BIG');
    expect(run.stderr).not.toMatch(/spawn E2BIG|internal-error|hunter2/);

    await writeFile(join(app, '.env'), '');
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ env: { BIG: big } }));
    const built = await pybpJson(s, ['build', app]);
    expect(built.error?.code).toBe('config-var-too-large');
    expect(built.error?.message).toContain('BIG');
    expect(built.raw.stdout).not.toContain(SECRET);

    // Each under the limit, more than 1 MiB together: 7 × 120 KiB in the config file, 2 × 100 KiB from --env.
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`PART_${i}`, `${SECRET}${'b'.repeat(120 * 1024)}`]));
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ env: many }));
    const flags = ['--env', `FLAG_A=${SECRET}${'c'.repeat(100 * 1024)}`, '--env', `FLAG_B=${SECRET}${'c'.repeat(100 * 1024)}`];
    const together = await pybpJson(s, ['doctor', app, ...flags]);
    expect(together.error?.code).toBe('config-var-too-large');
    expect(together.raw.stdout).not.toContain(SECRET);
  });
});

describe('--env-file that is not a regular file (row 50)', () => {
  it('a FIFO, /dev/stdin and a directory get a clear title naming the path as given', async () => {
    const app = await makeApp(join(s.root, 'envfile app'));
    const fifo = join(s.root, 'env.fifo');
    execFileSync('mkfifo', [fifo]);
    const dir = join(s.root, 'env dir');
    mkdirSync(dir);
    for (const [file, what] of [[fifo, 'named pipe'], ['/dev/stdin', '/dev/stdin'], [dir, 'a directory']] as const) {
      const r = await pybp(['run', app, '--env-file', file, '--', 'true']);
      expect(r.code, file).toBe(1);
      expect(r.stderr).toContain('[Error: The env file is not a regular file] (app-file-not-regular)');
      expect(r.stderr).toContain(`--env-file names ${file}, which is`);
      expect(r.stderr).toContain(what);
    }
  });
});

describe('--layers-dir (rows 58, 61, 62)', () => {
  it('--layers-dir= (empty) is a usage error for every command', async () => {
    const app = await makeApp(join(s.root, 'empty flag app'));
    for (const cmd of [['build', app], ['explain', app], ['doctor', app], ['history', app], ['run', app, '--', 'true']]) {
      const r = await pybp([...cmd.slice(0, 2), '--layers-dir=', ...cmd.slice(2)]);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stdout + r.stderr).toContain('--layers-dir was given an empty path');
    }
  });

  it('--layers-dir . (the app, with its .pybp/) or another app\'s folder: the fix never suggests rm -rf of it', async () => {
    const app = await makeApp(join(s.root, 'dot app'));
    await mkdir(join(app, '.pybp', 'layers'), { recursive: true });
    const other = await makeApp(join(s.root, 'other app'));
    await mkdir(join(other, '.pybp', 'layers', 'venv'), { recursive: true });
    for (const [cwd, dir] of [[app, '.'], [app, other], [s.root, app]] as const) {
      for (const cmd of ['build', 'explain']) {
        const r = await runPybp([cmd, app, '--layers-dir', dir, '--json', '--python-source', 'local'], { env: safetyEnv(s), cwd });
        const error = JSON.parse(r.stdout).error as { code: string; fix: string };
        expect(error.code, `${cmd} --layers-dir ${dir}`).toBe('layers-dir-not-owned');
        expect(error.fix).not.toContain('rm -rf');
      }
    }
  });

  it('the next: line after a --layers-dir build runs as printed', async () => {
    const { indexUrl } = testInfra();
    const app = await makePipApp(join(s.root, 'next app'), { indexUrl, python: '3.12', requirements: [] });
    await writeToolsConfig(app, indexUrl);
    // (A space, not $ or ': pip's own script shebangs cannot hold those in a path.)
    const layers = join(s.root, 'next layers');
    const r = await runPybp(['build', app, '--layers-dir', layers, '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: safetyEnv(s) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const next = /^next: (.*) -- <command> runs a command/m.exec(r.stdout)?.[1];
    expect(next, r.stdout).toContain('--layers-dir');
    // The words that run pybp here are the runner's; the rest is run as printed.
    const printed = next!.replace(/^(?:pybp|npx pybp|node \S+)/, `${JSON.stringify(process.execPath)} -- ${JSON.stringify(join(__dirname, '..', '..', 'dist', 'cli.js'))}`);
    const ran = spawnSync('bash', ['-c', `${printed} -- python -c 'import sys; print(sys.prefix)'`], { env: { ...process.env, XDG_STATE_HOME: s.state, NO_COLOR: '1' }, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    // The venv where the build's tools saw the layers: the --layers-dir, or /layers/heroku_python with Heroku's paths.
    const seen = JSON.parse((await runPybp(['explain', app, '--layers-dir', layers, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: safetyEnv(s) })).stdout) as { paths: { layers: string } };
    expect([layers, '/layers/heroku_python']).toContain(seen.paths.layers);
    expect(ran.stdout.trim().startsWith(join(seen.paths.layers, 'venv'))).toBe(true);
  });
});

describe('explain --python (row 68)', () => {
  it('a version .python-version could not hold is a usage error naming --python, not the file', async () => {
    const app = await makeApp(join(s.root, 'what if app'));
    const r = await pybpJson(s, ['explain', app, '--python', '3.12.0rc1']);
    expect(r.exitCode).toBe(2);
    expect(r.error?.code).toBe('usage');
    expect(r.error?.message).toContain('--python');
    expect(r.error?.message).toContain('3.12.0rc1');
    expect(r.error?.fix).not.toContain('.python-version');
  });
});
