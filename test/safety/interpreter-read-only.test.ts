// The user's interpreter is read-only to pybp (issue 9, item 6): after a build
// and `pybp run` commands that append to files of the python layer (directly,
// and through the venv's python symlink), every file of the interpreter the
// layer came from is byte-identical, and the next app's layer is made from
// the interpreter as it is, not from what was written.
//
// The interpreter is a throwaway copy of pyenv's 3.12.1 (`cp -a`), named in
// the app's config, so a bug here damages nothing but the copy. As root the
// writes into the layer succeed (root ignores the read-only bits); as any
// other user they fail with EACCES. Either way the interpreter must not change.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir, pythonPrefixFor } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { runPybp } from '../support/cli.js';
import { BUILD_ENV_FLAGS } from '../e2e/pybp.js';

/** Every entry under `root`: type, mode and content hash (files) or target (links). */
async function fingerprint(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(abs);
      if (st.isSymbolicLink()) out.set(r, `link ${await readlink(abs)}`);
      else if (st.isDirectory()) {
        out.set(`${r}/`, `dir ${st.mode.toString(8)}`);
        await walk(abs, r);
      } else out.set(r, `file ${st.mode.toString(8)} ${createHash('sha256').update(await readFile(abs)).digest('hex')}`);
    }
  };
  await walk(root, '');
  return out;
}

/** dev:ino of every regular file under `root`. */
async function inodes(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) await walk(abs);
      else if (entry.isFile()) {
        const st = await lstat(abs);
        out.add(`${st.dev}:${st.ino}`);
      }
    }
  };
  await walk(root);
  return out;
}

describe('the interpreter a python layer came from', () => {
  let root: string;
  let interpreter: string;
  let before: Map<string, string>;
  let env: Record<string, string>;
  const isRoot = process.getuid?.() === 0;

  const makeApp = async (name: string) => {
    const { indexUrl } = testInfra();
    const app = join(root, name);
    await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ tools: { indexUrl }, python: { interpreters: [interpreter] } }));
    return app;
  };
  const build = async (app: string) => {
    const r = await runPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env });
    const report = JSON.parse(r.stdout) as { status: string; python: { interpreter: string } };
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return report;
  };
  const run = (app: string, argv: string[]) => runPybp(['run', app, '--', ...argv], { env });

  beforeAll(async () => {
    root = await makeTempDir('pybp interpreter-');
    interpreter = join(root, 'python-3.12.1');
    execFileSync('cp', ['-a', pythonPrefixFor('3.12'), interpreter]);
    before = await fingerprint(interpreter);
    // Only the copy can be found, and pybp's own copies go into this test's directory.
    env = { PYENV_ROOT: join(root, 'no-pyenv'), XDG_CACHE_HOME: join(root, 'cache') };
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is unchanged by a build and by `pybp run` commands that write into the layer', async () => {
    const app = await makeApp('first app');
    const report = await build(app);
    expect(report.python.interpreter).toContain(interpreter);
    const layer = join(app, '.pybp', 'layers', 'python');

    // No file of the layer is a file of the interpreter.
    const sourceInodes = await inodes(interpreter);
    const layerInodes = await inodes(layer);
    expect(layerInodes.size).toBeGreaterThan(1000);
    expect([...layerInodes].filter((ino) => sourceInodes.has(ino))).toEqual([]);

    const thisPy = join(layer, 'lib', 'python3.12', 'this.py');
    const original = readFileSync(thisPy, 'utf8');
    // The layer as the process sees it (at /layers/heroku_python with Heroku's paths): beside the venv.
    const appended = await run(app, ['sh', '-c', 'echo "# written by the app" >> "$VIRTUAL_ENV/../python/lib/python3.12/this.py"']);
    // Through the venv's python, a symlink into the python layer.
    const viaVenv = await run(app, ['sh', '-c', 'printf x >> "$VIRTUAL_ENV/bin/python"']);
    expect(appended.code === 0).toBe(isRoot);
    expect(viaVenv.code === 0).toBe(isRoot);
    if (!isRoot) expect(appended.stderr).toMatch(/Permission denied/);
    expect(readFileSync(thisPy, 'utf8') === original).toBe(!isRoot);

    expect(await fingerprint(interpreter)).toEqual(before);
  });

  it('gives the next app a layer made from the interpreter as it is, which runs', async () => {
    const app = await makeApp('second app');
    await build(app);
    const layer = join(app, '.pybp', 'layers', 'python');
    expect(readFileSync(join(layer, 'lib', 'python3.12', 'this.py'))).toEqual(readFileSync(join(interpreter, 'lib', 'python3.12', 'this.py')));
    expect(readFileSync(join(layer, 'bin', 'python3.12'))).toEqual(readFileSync(join(interpreter, 'bin', 'python3.12')));
    const hello = await run(app, ['python', '-c', 'import this, tinyweb; print(tinyweb.hello())']);
    expect(hello.code, hello.stderr).toBe(0);
    expect(hello.stdout).toContain('hello from tinyweb 1.0.0');
    expect(await fingerprint(interpreter)).toEqual(before);
  });
});
