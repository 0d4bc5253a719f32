// `pybp run <app> web` through the real binary: the Procfile is read by the
// same parser as doctor's check, so an indented `web:` line is no web process
// in both. The "last build" here is a hand-made layers dir with one launch layer.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, makeTempDir, runPybp } from './helpers.js';
import { pybpBin, startPybp } from '../support/cli.js';
import { run } from '../support/env.js';
import { adoptLayersDir } from '../support/owned-layers.js';

let root = '';
let layers = '';
let count = 0;
beforeAll(async () => {
  root = await makeTempDir('pybp run ');
  layers = path.join(root, 'layers');
  await mkdir(path.join(layers, 'venv', 'bin'), { recursive: true });
  await writeFile(path.join(layers, 'venv.toml'), '[types]\nlaunch = true\n');
  // It stands for a build pybp made here: pybp runs nothing from layers it did not make.
  await adoptLayersDir(layers, cliEnv());
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function appWithProcfile(procfile: string, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(root, `app ${++count}`);
  await mkdir(dir);
  await writeFile(path.join(dir, 'requirements.txt'), '');
  await writeFile(path.join(dir, 'Procfile'), procfile);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** A Procfile whose processes print the variables a dyno gets. */
const SHOW_ENV = 'web: echo "web PORT=$PORT DYNO=$DYNO A=$A B=$B C=$C"\nworker: echo "worker PORT=$PORT DYNO=$DYNO A=$A"\nrelease: echo "release DYNO=$DYNO"\n';

describe('pybp run web', () => {
  it("runs the Procfile's web command with PORT set", async () => {
    const app = await appWithProcfile('worker: echo worker\nweb: echo "web on port $PORT"\n');
    const r = await runPybp(['run', app, '--layers-dir', layers, '--port', '5123', 'web']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('web on port 5123\n');
    expect(r.code).toBe(0);
  });

  it('an indented web: line is no web process (as doctor warns): no-web-process, exit 1', async () => {
    const app = await appWithProcfile('worker: echo worker\n  web: echo should not run\n');
    const r = await runPybp(['run', app, '--layers-dir', layers, 'web']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('should not run');
    expect(r.stderr).toContain('(no-web-process)');
    expect(r.stderr).toContain('"web:" only on an indented line (line 2)');
  });

  it('a Procfile without web names the process types it has', async () => {
    const app = await appWithProcfile('worker: echo worker\n');
    const r = await runPybp(['run', app, '--layers-dir', layers, 'web']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has no web process (only worker)');
  });
});

describe('pybp run like heroku local', () => {
  it("reads the app's .env; the config file's env wins over it and --env over both; heroku local's PORT 5006 and no DYNO by default", async () => {
    const app = await appWithProcfile(SHOW_ENV, {
      '.env': '# local settings\nA=from-dotenv\nB="from dotenv"\nexport C=from-dotenv\n',
      '.buildpackrc.json': JSON.stringify({ env: { B: 'from-config', C: 'from-config' } }),
    });
    const r = await runPybp(['run', app, '--layers-dir', layers, '--env', 'C=from-flag']);
    expect(r.stdout).toBe('web PORT=5006 DYNO= A=from-dotenv B=from-config C=from-flag\n');
    expect(r.stderr).toBe(`pybp: read 3 config var(s) from ${path.join(app, '.env')}\n`);
    expect(r.code).toBe(0);
  });

  it('runs any Procfile process by name, from the app directory or from inside it', async () => {
    const app = await appWithProcfile(SHOW_ENV, { '.env': 'A=1\nPORT=6001\n' });
    const worker = await runPybp(['run', app, 'worker', '--layers-dir', layers, '--dyno']);
    expect(worker.stdout).toBe('worker PORT=6001 DYNO=worker.1 A=1\n');
    const release = await runPybp(['run', 'release', '--layers-dir', layers, '--dyno'], { cwd: app });
    expect(release.stdout).toBe('release DYNO=release.1\n');
    const web = await runPybp(['run', '--layers-dir', layers, '--port', '7002'], { cwd: app });
    expect(web.stdout).toBe('web PORT=7002 DYNO= A=1 B= C=\n');
    const named = await runPybp(['run', '--layers-dir', layers, '--dyno', 'web.3'], { cwd: app });
    expect(named.stdout).toBe('web PORT=6001 DYNO=web.3 A=1 B= C=\n');
    const bad = await runPybp(['run', '--layers-dir', layers, '--dyno', 'web 1'], { cwd: app });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dyno must look like a dyno name');
    const missing = await runPybp(['run', app, 'clock', '--layers-dir', layers]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(no-process-type)');
    expect(missing.stderr).toContain('has no clock process (only web, worker, release)');
  });

  it('--no-env-file skips .env; --env-file reads another file instead; a command gets DYNO=run.1 with --dyno', async () => {
    const app = await appWithProcfile(SHOW_ENV, { '.env': 'A=from-dotenv\n', 'other.env': "A='from other'\n" });
    const none = await runPybp(['run', app, '--layers-dir', layers, '--no-env-file']);
    expect(none.stdout).toBe('web PORT=5006 DYNO= A= B= C=\n');
    expect(none.stderr).toBe('');
    const other = await runPybp(['run', app, '--layers-dir', layers, '--env-file', 'other.env', '--dyno', '--', 'bash', '-c', 'echo "$DYNO $A"'], { cwd: app });
    expect(other.stdout).toBe('run.1 from other\n');
  });

  it('a missing --env-file is env-file-missing from pybp, also through the bin itself (its shebang ends node options with --)', async () => {
    const app = await appWithProcfile(SHOW_ENV, {});
    const viaNode = await runPybp(['run', app, '--layers-dir', layers, '--env-file', 'nope.env'], { cwd: app });
    expect(viaNode.code).toBe(1);
    expect(viaNode.stderr).toContain('(env-file-missing)');
    // Run as a user runs it: the file itself, through its shebang (Node 20 alone would exit 9 here: nodejs/node#54232).
    const direct = await runPybp(['run', app, '--layers-dir', layers, '--env-file', 'nope.env'], { cwd: app, direct: true });
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('(env-file-missing)');
    expect(direct.stderr).not.toContain('node:');
  });

  it('a malformed .env stops run with env-file-invalid naming the line, not its text; nothing runs', async () => {
    const app = await appWithProcfile('web: echo should not run\n', { '.env': 'A=1\nAPI_TOKEN: s3cr3t-value\n' });
    const r = await runPybp(['run', app, '--layers-dir', layers]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('(env-file-invalid)');
    expect(r.stderr).toContain(`${path.join(app, '.env')}, line 2: it is not of the form NAME=value`);
    expect(r.stderr).not.toContain('s3cr3t');
  });

  it('passes stderr through unchanged and names the config var an app stopped for, with how to give it', async () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/app/app.py", line 3, in <module>',
      '  File "<frozen os>", line 714, in __getitem__',
      "KeyError: 'SECRET_KEY'",
    ].join('\n');
    const app = await appWithProcfile('web: cat traceback.txt >&2; exit 1\n', { 'traceback.txt': traceback + '\n' });
    const r = await runPybp(['run', app, '--layers-dir', layers]);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(traceback + '\n')).toBe(true);
    expect(r.stderr).toContain('(config-var-missing)');
    expect(r.stderr).toContain('the config var SECRET_KEY is not set');
    expect(r.stderr).toContain("put SECRET_KEY=... in the app's .env file");
    expect(r.stderr).toContain('--env SECRET_KEY=...');
    // Given, it is not missing (the process then fails for its own reasons, with no hint).
    const given = await runPybp(['run', app, '--layers-dir', layers, '--env', 'SECRET_KEY=x']);
    expect(given.code).toBe(1);
    expect(given.stderr).not.toContain('config-var-missing');
  });

  it('a process that ignores SIGTERM is killed after pybp forwards it: pybp exits 137', async () => {
    const app = await appWithProcfile(`web: trap '' TERM; echo ready; while :; do sleep 0.1; done\n`);
    const running = startPybp(['run', app, '--layers-dir', layers]);
    await new Promise<void>((resolve) => running.onLine((line) => line === 'ready' && resolve()));
    running.signal('SIGTERM');
    const r = await running.done;
    expect(r.code).toBe(137);
  });

  it('an interactive command (stdin a terminal) keeps its own stderr, so stderr and stdout stay in order', async () => {
    const app = await appWithProcfile('web: true\n');
    // script(1) gives the command a pseudo-terminal (stdin, stdout and stderr), as a shell in a terminal would.
    const command = [process.execPath, pybpBin, 'run', app, '--layers-dir', layers, '--', 'bash', '-c', 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3']
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const r = await run('script', ['-qec', command, '/dev/null'], { env: cliEnv() });
    expect(r.stdout.replace(/\r/g, '')).toBe('out1\nerr1\nout2\nerr2\nout3\n');
  });
});
