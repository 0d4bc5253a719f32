import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PybpError } from '../../../src/engine/core/errors.js';
import {
  choosePythonSource,
  findLocalInterpreters,
  installPythonLayer,
  type PythonSourceChoice,
} from '../../../src/engine/python-source/index.js';
import { installPythonArchive } from '../../../src/engine/python-source/install-download.js';
import type { Target } from '../../../src/engine/core/target.js';
import { tarHardLinkedTree } from '../../support/tar.js';
import { listTree, tempDir } from './fake-python.js';
import { pyenvRoot } from '../../support/pythons.js';

const PYENV_ROOT = process.env.PYBP_TEST_PYENV_ROOT ?? pyenvRoot();
const SCRIPT = '#!/bin/sh\necho 3.12.13\n';
const OS_PY = '# os\n'.repeat(20_000);
const TINY_BYTES = Buffer.byteLength(SCRIPT) + Buffer.byteLength(OS_PY);
const heroku24: Target = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'host' };

describe('installPythonLayer from an archive served on 127.0.0.1', () => {
  let root: string;
  let tiny: Buffer;
  let real: Buffer;
  let server: http.Server;
  let base: string;
  let refusedBase: string;
  const requests: string[] = [];

  beforeAll(async () => {
    root = tempDir('download');
    // A tiny archive laid out like Heroku's (entries relative to the layer root).
    const tree = path.join(root, 'tiny');
    fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(tree, 'lib', 'python3.12'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'bin', 'python3.12'), SCRIPT, { mode: 0o755 });
    fs.symlinkSync('python3.12', path.join(tree, 'bin', 'python3'));
    fs.symlinkSync('python3', path.join(tree, 'bin', 'python'));
    fs.writeFileSync(path.join(tree, 'lib', 'python3.12', 'os.py'), OS_PY);
    execFileSync('tar', ['--zstd', '-cf', path.join(root, 'tiny.tar.zst'), '-C', tree, '.']);
    tiny = fs.readFileSync(path.join(root, 'tiny.tar.zst'));

    // A real interpreter, as Heroku's archive would carry one: pyenv 3.12.1 without its test suite and static lib.
    const pyenvPython = (await findLocalInterpreters({ major: 3, minor: 12 }, { pyenvRoot: PYENV_ROOT, env: { PATH: '' }, home: root })).find(
      (i) => i.version === '3.12.1',
    )!;
    const staged = path.join(root, 'staged');
    await installPythonLayer(
      { kind: 'local', resolvedVersion: '3.12.1', requestedPinned: false, interpreter: pyenvPython, substituted: false, reason: '' },
      staged,
      { origin: '.python-version' },
    );
    tarHardLinkedTree([
      '-I',
      'zstd -1 -T0',
      '-cf',
      path.join(root, 'real.tar.zst'),
      '--exclude=./lib/python3.12/test',
      '--exclude=./lib/python3.12/config-3.12-*',
      '-C',
      staged,
      '.',
    ]);
    real = fs.readFileSync(path.join(root, 'real.tar.zst'));

    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const [, kind] = (req.url ?? '').split('/');
      const body = (req.url ?? '').includes('real') ? real : tiny;
      switch (kind) {
        case 'ok':
          res.writeHead(200, { 'content-length': body.length });
          res.end(body);
          return;
        case 'chunked':
          res.writeHead(200);
          for (let i = 0; i < body.length; i += 1000) res.write(body.subarray(i, i + 1000));
          res.end();
          return;
        case '403':
        case '404':
        case '500':
          res.writeHead(Number(kind), { 'content-type': 'application/xml' });
          res.end('<Error><Code>NoSuchKey</Code></Error>');
          return;
        case 'truncated':
          // Promises the whole archive, sends half, hangs up.
          res.writeHead(200, { 'content-length': body.length });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
          return;
        case 'half':
          // A complete HTTP response whose content is half an archive.
          res.writeHead(200, { 'content-length': Math.floor(body.length / 2) });
          res.end(body.subarray(0, Math.floor(body.length / 2)));
          return;
        case 'garbage':
          res.writeHead(200, { 'content-length': 20 });
          res.end('this is not zstd....');
          return;
        case 'stall':
          res.writeHead(200, { 'content-length': body.length });
          res.write(body.subarray(0, 100));
          return;
        default:
          res.writeHead(400);
          res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    refusedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const heroku = (url: string, pinned = false): PythonSourceChoice => ({
    kind: 'heroku',
    resolvedVersion: '3.12.13',
    requestedPinned: pinned,
    substituted: false,
    url,
    reason: 'test',
  });
  let n = 0;
  const freshLayer = () => path.join(root, 'layers', `python-${++n}`);
  const failure = async (choice: PythonSourceChoice, layer = freshLayer()) => {
    const error = (await installPythonLayer(choice, layer, { origin: '.python-version' }).catch((e: unknown) => e)) as PybpError;
    expect(error).toBeInstanceOf(PybpError);
    // Whatever went wrong, the directory is handed back empty.
    expect(fs.readdirSync(layer)).toEqual([]);
    return error;
  };

  it('streams the archive from the URL the template names into the layer', async () => {
    const choice = await choosePythonSource({
      resolvedVersion: '3.12.13',
      requestedPinned: false,
      source: 'heroku',
      target: heroku24,
      hostIsTarget: true,
      search: {},
      uv: { usable: false, why: 'not used' },
      urlTemplate: `${base}/ok/python-{version}-{distro_name}-{distro_version}-{arch}.tar.zst`,
    });
    const layer = freshLayer();
    const progress: string[] = [];
    const result = await installPythonLayer(choice, layer, { origin: '.python-version', onProgress: (m) => progress.push(m) });
    expect(requests).toContain('/ok/python-3.12.13-ubuntu-24.04-amd64.tar.zst');
    expect(result).toEqual({ method: 'download', sizeBytes: TINY_BYTES });
    expect(listTree(layer)).toEqual(['bin/', 'bin/python3.12', 'bin/python3@', 'bin/python@', 'lib/', 'lib/python3.12/', 'lib/python3.12/os.py'].sort());
    expect(execFileSync(path.join(layer, 'bin', 'python'), { encoding: 'utf8' })).toBe('3.12.13\n');
    expect(progress[0]).toBe(`Downloading Python 3.12.13 from ${choice.url}`);
  });

  it('takes a body without content-length (chunked)', async () => {
    const layer = freshLayer();
    const progress: string[] = [];
    const result = await installPythonLayer(heroku(`${base}/chunked/x.tar.zst`), layer, {
      origin: '.python-version',
      onProgress: (m) => progress.push(m),
    });
    expect(result.sizeBytes).toBe(TINY_BYTES);
    expect(progress[0]).toBe(`Downloading Python 3.12.13 from ${base}/chunked/x.tar.zst`);
    expect(fs.readFileSync(path.join(layer, 'lib', 'python3.12', 'os.py'), 'utf8')).toHaveLength(100_000);
  });

  it('unpacks a real interpreter that then runs from the layer', async () => {
    const layer = freshLayer();
    await installPythonLayer(heroku(`${base}/ok/real.tar.zst`), layer, { origin: '.python-version' });
    const out = execFileSync(path.join(layer, 'bin', 'python'), ['-c', 'import sys, ssl, sqlite3, json; print(sys.prefix)'], {
      env: { PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: path.join(layer, 'lib') },
      encoding: 'utf8',
    });
    expect(out).toBe(`${layer}\n`);
  });

  it('404 or 403 for a pinned version: python-version-not-available naming the version and the origin file', async () => {
    for (const status of ['404', '403']) {
      const error = await failure(heroku(`${base}/${status}/python-3.12.13.tar.zst`, true));
      expect(error.code).toBe('python-version-not-available');
      expect(error.message).toContain('.python-version');
      expect(error.message).toContain('3.12.13');
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.fix).toContain('only the major version, 3.12');
    }
  });

  it('404 or 403 for an alias-resolved version: python-download-failed', async () => {
    for (const status of ['404', '403']) {
      const error = await failure(heroku(`${base}/${status}/python-3.12.13.tar.zst`, false));
      expect(error.code).toBe('python-download-failed');
      expect(error.message).toContain(`HTTP ${status}`);
    }
  });

  it('any other status: python-download-failed, pinned or not', async () => {
    const error = await failure(heroku(`${base}/500/python-3.12.13.tar.zst`, true));
    expect(error.code).toBe('python-download-failed');
    expect(error.message).toContain('HTTP 500 Internal Server Error');
  });

  it('connection refused: python-download-failed with the cause', async () => {
    const error = await failure(heroku(`${refusedBase}/ok/python.tar.zst`, true));
    expect(error.code).toBe('python-download-failed');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('a body cut off mid-stream: python-unpack-failed', async () => {
    const error = await failure(heroku(`${base}/truncated/python.tar.zst`));
    expect(error.code).toBe('python-unpack-failed');
    expect(error.message).toContain('broke off');
  });

  it('a complete response holding half an archive: python-unpack-failed with tar\'s complaint', async () => {
    const error = await failure(heroku(`${base}/half/real.tar.zst`));
    expect(error.code).toBe('python-unpack-failed');
    expect(error.message).toContain('exited with status');
    expect(error.details?.length).toBeGreaterThan(0);
  });

  it('something that is not zstd at all: python-unpack-failed', async () => {
    const error = await failure(heroku(`${base}/garbage/python.tar.zst`));
    expect(error.code).toBe('python-unpack-failed');
  });

  it('no tar program: python-unpack-failed saying it could not be run', async () => {
    const layer = freshLayer();
    const error = (await installPythonArchive(
      { url: `${base}/ok/python.tar.zst`, resolvedVersion: '3.12.13', requestedPinned: false },
      layer,
      { origin: '.python-version', tar: path.join(root, 'no-such-tar') },
    ).catch((e: unknown) => e)) as PybpError;
    expect(error.code).toBe('python-unpack-failed');
    expect(error.message).toContain('could not be run');
    expect(fs.readdirSync(layer)).toEqual([]);
  });

  it('an abort mid-download: interrupted, and the layer left empty', async () => {
    const controller = new AbortController();
    const layer = freshLayer();
    const pending = installPythonLayer(heroku(`${base}/stall/python.tar.zst`), layer, {
      origin: '.python-version',
      signal: controller.signal,
    }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 200);
    const error = (await pending) as PybpError;
    expect(error.code).toBe('interrupted');
    expect(fs.readdirSync(layer)).toEqual([]);
  });
});
