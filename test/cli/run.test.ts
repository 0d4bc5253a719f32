// `pybp run <app> web` through the real binary: the Procfile is read by the
// same parser as doctor's check, so an indented `web:` line is no web process
// in both. The "last build" here is a hand-made layers dir with one launch layer.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, makeTempDir, runPybp } from './helpers.js';
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

async function appWithProcfile(procfile: string): Promise<string> {
  const dir = path.join(root, `app ${++count}`);
  await mkdir(dir);
  await writeFile(path.join(dir, 'requirements.txt'), '');
  await writeFile(path.join(dir, 'Procfile'), procfile);
  return dir;
}

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
