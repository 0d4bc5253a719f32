// "Heroku's archive" for the benches, made and served on loopback the way
// test/e2e/sources.test.ts does it: a python layer made from a pyenv
// interpreter, packed as a zstd tar with the layer layout at its root (the
// shape of Heroku's python-X.Y.Z-ubuntu-24.04-amd64.tar.zst), and a file
// server that answers that one path. A build with `--python-source heroku` and
// `python.archiveUrlTemplate` pointing here downloads and unpacks it as it
// would Heroku's, so its python layer is one pybp shares through a cache
// (a layer made from a local interpreter never is).
//
// Like Heroku's (heroku-buildpack-python builds/build_python_runtime.sh), its
// .pyc files are recompiled `--invalidation-mode unchecked-hash`, the opt-1/2
// ones and the test directories dropped: a pyenv build's timestamp .pycs go stale once a cache restore
// gives every file lifecycle's normalised mtime, Python rewrites them at the
// first import, and the python layer then packs to a new tar on the next save
// (seen here: a 280 MiB python tar written again on the first cached build).
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type * as PythonSourceModule from '../../src/engine/python-source/index.js';
import type * as TargetModule from '../../src/engine/core/target.js';
import { hermeticCacheHome } from '../../test/support/env.js';
import { serveFiles, type FileServer } from '../../test/support/file-server.js';
import { tarHardLinkedTree } from '../../test/support/tar.js';
import { importDist } from './infra.js';

export interface PythonArchive {
  /** For `python.archiveUrlTemplate`. */
  urlTemplate: string;
  /** The one path it serves. */
  path: string;
  sizeBytes: number;
  server: FileServer;
  /** How many times the archive was asked for so far. */
  downloads(): number;
  close(): Promise<void>;
}

/** Packs the python layer of CPython `version` (made from the local interpreter of its minor) for `targetSpec` and serves it. */
export async function servePythonArchive(scratch: string, version: string, targetSpec: string): Promise<PythonArchive> {
  const { choosePythonSource, installPythonLayer, pythonArchiveUrl } = await importDist<typeof PythonSourceModule>('engine/python-source/index.js');
  const { hostTarget, parseTarget } = await importDist<typeof TargetModule>('engine/core/target.js');
  const linked = join(scratch, 'linked');
  const tree = join(scratch, 'tree');
  await mkdir(linked, { recursive: true });
  const choice = await choosePythonSource({ resolvedVersion: version, requestedPinned: false, source: 'local', target: hostTarget(), hostIsTarget: false, search: {}, uv: { usable: false, why: 'not used' } });
  // Hard links to the read-only interpreter copies the tests and benches share (not this user's ~/.cache).
  await installPythonLayer(choice, linked, { origin: '.python-version', interpreterCache: join(hermeticCacheHome, 'pybp', 'interpreters') });
  // A copy with inodes of its own, so that recompiling never touches the shared read-only copies.
  run('cp', ['-a', linked, tree]);
  await rm(linked, { recursive: true, force: true });
  run('chmod', ['-R', 'u+w', tree]);
  // As Heroku's build does: no test directories (pyenv keeps them; some hold files that do not compile), no .pyc of pyenv's.
  run('find', [tree, '-depth', '-type', 'd', '(', '-name', 'test', '-o', '-name', 'tests', '-o', '-name', 'idle_test', ')', '-exec', 'rm', '-rf', '{}', '+']);
  run('find', [tree, '-depth', '-type', 'f', '-name', '*.pyc', '-delete']);
  if (!choice.interpreter) throw new Error(`no local interpreter for Python ${version}`);
  run(choice.interpreter.executable, ['-I', '-m', 'compileall', '-q', '-f', '--invalidation-mode', 'unchecked-hash', '--workers', '2', tree]);
  const file = join(scratch, 'python.tar.zst');
  tarHardLinkedTree(['--zstd', '-cf', file, '-C', tree, '.'], { ...process.env, ZSTD_CLEVEL: '1' });
  await rm(tree, { recursive: true, force: true });
  const { size } = await stat(file);
  const template = '/python-{version}-{distro_name}-{distro_version}-{arch}.tar.zst';
  const path = pythonArchiveUrl(template, version, parseTarget(targetSpec, 'config'));
  const server = await serveFiles({ [path]: file });
  return {
    urlTemplate: `${server.url}${template}`,
    path,
    sizeBytes: size,
    server,
    downloads: () => server.hits.filter((h) => h === path).length,
    close: () => new Promise<void>((resolve) => {
      server.server.closeAllConnections();
      server.server.close(() => resolve());
    }),
  };
}

function run(program: string, args: string[]): void {
  const r = spawnSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
}
