// The one archive download (Python and uv archives): what each failure comes
// back as, and that an abort is `interrupted` wherever it lands.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveDownloadError, downloadArchive } from '../../src/engine/io/archive-download.js';
import { PybpError } from '../../src/engine/core/errors.js';

describe('downloadArchive', () => {
  let root: string;
  let archive: Buffer;
  let server: http.Server;
  let base: string;
  /** Resolves each time a request for /stall arrives (the server has sent part of the body). */
  let stalled: Array<() => void> = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pybp-archive-'));
    const tree = path.join(root, 'tree', 'uv-x86_64-unknown-linux-gnu');
    fs.mkdirSync(tree, { recursive: true });
    fs.writeFileSync(path.join(tree, 'uv'), '#!/bin/sh\necho uv 0.11.33\n', { mode: 0o755 });
    execFileSync('tar', ['-czf', path.join(root, 'uv.tar.gz'), '-C', path.join(root, 'tree'), 'uv-x86_64-unknown-linux-gnu']);
    archive = fs.readFileSync(path.join(root, 'uv.tar.gz'));

    server = http.createServer((req, res) => {
      switch (req.url) {
        case '/ok':
          res.writeHead(200, { 'content-length': archive.length });
          res.end(archive);
          return;
        case '/stall':
          res.writeHead(200, { 'content-length': archive.length });
          res.write(archive.subarray(0, 10), () => {
            for (const resolve of stalled) resolve();
            stalled = [];
          });
          return;
        case '/no-answer':
          // Headers never come.
          for (const resolve of stalled) resolve();
          stalled = [];
          return;
        case '/garbage':
          res.writeHead(200, { 'content-length': 20 });
          res.end('this is not gzip....');
          return;
        default:
          res.writeHead(404);
          res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  let n = 0;
  const freshDir = () => {
    const dir = path.join(root, `out-${++n}`);
    fs.mkdirSync(dir);
    return dir;
  };
  const uvTar = (dir: string) => ['-xz', '--strip-components=1', '-C', dir];
  const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
  const nextStall = () => new Promise<void>((resolve) => stalled.push(resolve));

  it('unpacks the archive with the given tar arguments and reports the bytes', async () => {
    const dir = freshDir();
    const seen: Array<[number, number | null]> = [];
    await downloadArchive({ url: `${base}/ok`, tarArgs: uvTar(dir), what: 'Downloading uv', onBytes: (r, t) => seen.push([r, t]) });
    expect(execFileSync(path.join(dir, 'uv'), { encoding: 'utf8' })).toBe('uv 0.11.33\n');
    expect(seen.at(-1)).toEqual([archive.length, archive.length]);
  });

  it('an abort while the body streams is the interrupted error naming the operation', async () => {
    const controller = new AbortController();
    const arrived = nextStall();
    const pending = caught(downloadArchive({ url: `${base}/stall`, tarArgs: uvTar(freshDir()), signal: controller.signal, what: 'Downloading uv 0.11.33' }));
    await arrived;
    controller.abort();
    const error = (await pending) as PybpError;
    expect(error).toBeInstanceOf(PybpError);
    expect(error.code).toBe('interrupted');
    expect(error.message).toContain('Downloading uv 0.11.33 was interrupted');
  });

  it('an abort before the server answers is the interrupted error too', async () => {
    const controller = new AbortController();
    const arrived = nextStall();
    const pending = caught(downloadArchive({ url: `${base}/no-answer`, tarArgs: uvTar(freshDir()), signal: controller.signal, what: 'Downloading uv' }));
    await arrived;
    controller.abort();
    expect(((await pending) as PybpError).code).toBe('interrupted');
  });

  it('a signal already aborted makes no request', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = (await caught(downloadArchive({ url: `${base}/ok`, tarArgs: uvTar(freshDir()), signal: controller.signal, what: 'Downloading uv' }))) as PybpError;
    expect(error.code).toBe('interrupted');
  });

  it('an HTTP error, a refused connection and a bad archive come back as data for the caller to word', async () => {
    const http404 = (await caught(downloadArchive({ url: `${base}/missing`, tarArgs: uvTar(freshDir()), what: 'x' }))) as ArchiveDownloadError;
    expect(http404).toBeInstanceOf(ArchiveDownloadError);
    expect(http404.failure).toEqual({ kind: 'http', status: 404, describe: 'HTTP 404 Not Found' });

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/ok`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = (await caught(downloadArchive({ url: refusedUrl, tarArgs: uvTar(freshDir()), what: 'x' }))) as ArchiveDownloadError;
    expect(refused.failure.kind).toBe('network');
    expect(refused.message).toContain('ECONNREFUSED');

    const garbage = (await caught(downloadArchive({ url: `${base}/garbage`, tarArgs: uvTar(freshDir()), what: 'x' }))) as ArchiveDownloadError;
    expect(garbage.failure.kind).toBe('unpack');
    expect(garbage.message).toContain('tar -xz --strip-components=1');
    expect(garbage.failure.kind === 'unpack' && garbage.failure.stderr.length).toBeGreaterThan(0);
  });
});
