// pybp installed like any CLI: `pybp --version` (from package.json, with no
// Ink loaded), and the package npm packs: its bin and files, unpacked into a
// prefix as `npm install -g` lays it out and run from another directory.
// (The packed tarball's real `npm install -g` needs the registry for its
// dependencies; here they come from this checkout's node_modules.)
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../support/env.js';
import { startModuleLog, UI_MODULE } from '../support/module-log.js';
import { makeTempDir, repoRoot, runPybp } from './helpers.js';

const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await makeTempDir();
  temps.push(dir);
  return dir;
}

interface PackJson {
  filename: string;
  files: Array<{ path: string }>;
}

/** `npm pack --json` of this checkout's current dist/ (no prepare: the tests' dist is built already). */
async function npmPack(extra: string[]): Promise<PackJson> {
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', ...extra], { cwd: repoRoot, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return (JSON.parse(stdout) as PackJson[])[0];
}

describe('pybp --version', () => {
  it("prints package.json's version, and loads no Ink, React or Ink UI module", async () => {
    const modules = await startModuleLog();
    try {
      for (const flag of ['--version', '-V']) {
        const r = await runPybp([flag], { env: modules.env });
        expect(r.stdout).toBe(`${pkg.version}\n`);
        expect(r.code).toBe(0);
      }
      const urls = await modules.resolved();
      expect(urls).toContain(`file://${path.join(repoRoot, 'dist', 'cli.js')}`);
      expect(urls.filter((url) => UI_MODULE.test(url))).toEqual([]);
      // Output that is not a terminal runs the CommonJS bundle (src/launcher.ts): its requires are recorded too.
      const requires = await modules.required();
      expect(requires).toContain('node:fs');
      expect(requires.filter((id) => UI_MODULE.test(id))).toEqual([]);
    } finally {
      await modules.remove();
    }
  });
});

describe('the packed package', () => {
  it('has the bin and every file the bin imports, and nothing for the tests only', async () => {
    const packed = await npmPack(['--dry-run']);
    const files = packed.files.map((f) => f.path).sort();
    expect(pkg.bin).toEqual({ pybp: 'dist/cli.js' });
    expect(files).toContain('dist/cli.js');
    // The two programs the bin loads (src/launcher.ts): CommonJS for output that is not a terminal, ES modules for a terminal.
    expect(files).toContain('dist/pybp.cjs');
    expect(files).toContain('dist/cli-tty.js');
    expect(files).toContain('dist/chunks/pybp.js');
    expect(files).toContain('dist/chunks/ink-ui.js');
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/engine/'))).toEqual([]);
    // Every relative import of a packed module is packed too.
    const missing: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      // Comment lines dropped: a JSDoc `@typedef { import("./argument.js") }` (commander's) loads nothing.
      const text = (await readFile(path.join(repoRoot, file), 'utf8'))
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      for (const m of text.matchAll(/^(?:import|export)[^\n]*?from\s*["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\)/gm)) {
        const spec = m[1] ?? m[2];
        const target = path.posix.join(path.posix.dirname(file), spec);
        if (!files.includes(target)) missing.push(`${file} → ${spec}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('unpacked as npm install -g lays it out, the bin runs from another directory and names itself pybp', async () => {
    const dir = await tempDir();
    const packed = await npmPack(['--pack-destination', dir]);
    const prefix = path.join(dir, 'prefix');
    const pkgDir = path.join(prefix, 'lib', 'node_modules', 'pybp');
    await mkdir(pkgDir, { recursive: true });
    await run('tar', ['-xzf', path.join(dir, packed.filename), '-C', pkgDir, '--strip-components=1']);
    // The dependencies npm would install from the registry.
    await symlink(path.join(repoRoot, 'node_modules'), path.join(pkgDir, 'node_modules'));
    await mkdir(path.join(prefix, 'bin'));
    await symlink('../lib/node_modules/pybp/dist/cli.js', path.join(prefix, 'bin', 'pybp'));
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const bin = path.join(prefix, 'bin', 'pybp');
    const version = await run(bin, ['--version'], { cwd: elsewhere, env: { PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` } });
    expect(version.stdout).toBe(`${pkg.version}\n`);
    // The installed pybp finds itself on PATH: what the next: hints print.
    const script = `import { hostSelfCommandProbe, selfCommand } from ${JSON.stringify(path.join(repoRoot, 'dist', 'commands', 'self-command.js'))}; console.log(JSON.stringify(selfCommand({ ...hostSelfCommandProbe(), cliFile: ${JSON.stringify(bin)} })));`;
    const env = { PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
    const onPath = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: elsewhere, env });
    expect(JSON.parse(onPath.stdout)).toEqual(['pybp']);
    const offPath = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: elsewhere, env: { PATH: process.env.PATH } });
    expect(JSON.parse(offPath.stdout)).toEqual(['node', path.join(pkgDir, 'dist', 'cli.js')]);
  });
});
