// Installs Heroku's own Python archive the way the buildpack does (spec §7.2,
// §5.5): one request, no retry, the zstd tar streamed straight into the layer
// with no temporary file. Node 20's zlib has no zstd, so the system tar
// (GNU tar with the zstd program, or bsdtar) decompresses and unpacks.

import { spawn } from 'node:child_process';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PybpError } from '../errors.js';
import { emptyDirectory, ensureEmptyDirectory, layerSizeBytes } from './tree.js';
import { parseResolvedVersion } from './version.js';

export interface DownloadInstallOptions {
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
  /** Where the requested version came from ('.python-version' or 'buildpack default'), for messages. */
  origin: string;
  /** The tar program; default `tar`. */
  tar?: string;
}

export interface ArchiveRequest {
  url: string;
  resolvedVersion: string;
  requestedPinned: boolean;
}

const STDERR_LIMIT = 16 * 1024;

export async function installPythonArchive(
  archive: ArchiveRequest,
  layerDir: string,
  opts: DownloadInstallOptions,
): Promise<{ sizeBytes: number; method: 'download' }> {
  await ensureEmptyDirectory(layerDir);
  const { url, resolvedVersion: version } = archive;
  opts.onProgress?.(`Downloading Python ${version} from ${url}`);

  let response: Response;
  try {
    response = await fetch(url, { signal: opts.signal });
  } catch (error) {
    if (opts.signal?.aborted) throw interrupted(version, layerDir, error);
    throw downloadFailed(version, url, describeFetchError(error), error);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if ((response.status === 403 || response.status === 404) && archive.requestedPinned) {
      throw notAvailable(version, url, status, opts.origin);
    }
    throw downloadFailed(version, url, `the server answered ${status}`);
  }
  if (!response.body) throw downloadFailed(version, url, 'the response had no body');

  try {
    await unpack(response, layerDir, version, opts);
  } catch (error) {
    await emptyDirectory(layerDir).catch(() => undefined);
    if (opts.signal?.aborted) throw interrupted(version, layerDir, error);
    throw error;
  }
  return { sizeBytes: await layerSizeBytes(layerDir), method: 'download' };
}

async function unpack(response: Response, layerDir: string, version: string, opts: DownloadInstallOptions): Promise<void> {
  const tar = opts.tar ?? 'tar';
  // Ownership from the archive means nothing here; the files belong to whoever runs the build.
  const args = ['--zstd', '-x', '--no-same-owner', '-C', layerDir, '-f', '-'];
  const child = spawn(tar, args, { stdio: ['pipe', 'ignore', 'pipe'], signal: opts.signal });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
  });
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const total = Number(response.headers.get('content-length') ?? NaN);
  let streamError: unknown;
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      progressCounter(version, total, opts.onProgress),
      child.stdin,
    );
  } catch (error) {
    streamError = error;
  }
  const exit = await finished;

  const command = `${tar} ${args.join(' ')}`;
  if (exit.error) {
    throw unpackFailed(version, layerDir, `${command} could not be run: ${exit.error.message}`, [], exit.error);
  }
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  if (streamError !== undefined && !isBrokenPipe(streamError)) {
    // The body broke off (or the connection did): tar saw a truncated archive.
    throw unpackFailed(version, layerDir, `the download broke off: ${describeFetchError(streamError)}`, lines, streamError);
  }
  if (exit.code !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
    throw unpackFailed(version, layerDir, `${command} ${how}`, lines);
  }
  if (streamError !== undefined) {
    throw unpackFailed(version, layerDir, `tar stopped reading the archive: ${describeFetchError(streamError)}`, lines, streamError);
  }
}

function progressCounter(version: string, total: number, onProgress?: (msg: string) => void): Transform {
  let received = 0;
  let reported = 0;
  // Roughly every tenth of the archive (or every 8 MB when its size is unknown).
  const step = Number.isFinite(total) && total > 0 ? total / 10 : 8 * 1024 * 1024;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (onProgress && received - reported >= step) {
        reported = received;
        onProgress(
          Number.isFinite(total) && total > 0
            ? `Downloading Python ${version}: ${mb(received)} of ${mb(total)} MB`
            : `Downloading Python ${version}: ${mb(received)} MB`,
        );
      }
      callback(null, chunk);
    },
  });
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** undici wraps the interesting part (ECONNREFUSED, ENOTFOUND, a certificate problem) in `cause`. */
export function describeFetchError(error: unknown): string {
  const outer = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const inner = cause.message || code || String(cause);
    return outer && outer !== inner ? `${outer} (${inner})` : inner;
  }
  return outer;
}

function downloadFailed(version: string, url: string, detail: string, cause?: unknown): PybpError {
  return new PybpError(
    {
      code: 'python-download-failed',
      title: 'Python download failed',
      message: `Downloading the Python ${version} archive from ${url} failed: ${detail}. This may be a temporary network problem.`,
      fix: 'Check the network connection (and any proxy) and build again. If python.archiveUrlTemplate is set in the pybp config, check it; to build without downloading, use a Python installed on this machine (python.source = "local").',
    },
    cause === undefined ? undefined : { cause },
  );
}

function notAvailable(version: string, url: string, status: string, origin: string): PybpError {
  const v = parseResolvedVersion(version);
  return new PybpError({
    code: 'python-version-not-available',
    title: `Python ${version} is not available`,
    message: `The ${origin} file asks for Python ${version}, but there is no archive of that version to download (${url} answered ${status}).`,
    fix: `Check that Python ${version} has been released (https://www.python.org/downloads/) and that the buildpack supports it (https://github.com/heroku/buildpacks-python/blob/main/CHANGELOG.md). Better, put only the major version, ${v.major}.${v.minor}, in ${origin}: the build then gets the latest patch automatically.`,
  });
}

function unpackFailed(version: string, layerDir: string, detail: string, stderrLines: string[], cause?: unknown): PybpError {
  return new PybpError(
    {
      code: 'python-unpack-failed',
      title: 'Python archive could not be unpacked',
      message: `Unpacking the Python ${version} archive into ${layerDir} failed: ${detail}.`,
      fix: 'Check that the disk has room and that `tar` can handle zstd (GNU tar with the zstd program installed, or bsdtar), then build again; a download that broke off also ends here, so a retry may be enough.',
      details: stderrLines.slice(-20),
    },
    cause === undefined ? undefined : { cause },
  );
}

function interrupted(version: string, layerDir: string, cause: unknown): PybpError {
  return new PybpError(
    {
      code: 'interrupted',
      title: 'Build interrupted',
      message: `Installing Python ${version} into ${layerDir} was interrupted; the layer was left empty.`,
      fix: 'Run the build again.',
    },
    { cause },
  );
}
