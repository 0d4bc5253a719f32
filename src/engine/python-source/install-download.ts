// Installs Heroku's own Python archive the way the buildpack does (spec §7.2,
// §5.5): one request, no retry, the zstd tar streamed straight into the layer
// with no temporary file. Node 20's zlib has no zstd, so the system tar
// (GNU tar with the zstd program, or bsdtar) decompresses and unpacks.

import { ArchiveDownloadError, downloadArchive } from '../io/archive-download.js';
import { PybpError } from '../core/errors.js';
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

export async function installPythonArchive(
  archive: ArchiveRequest,
  layerDir: string,
  opts: DownloadInstallOptions,
): Promise<{ sizeBytes: number; method: 'download' }> {
  await ensureEmptyDirectory(layerDir);
  const { url, resolvedVersion: version } = archive;
  opts.onProgress?.(`Downloading Python ${version} from ${url}`);
  try {
    await downloadArchive({
      url,
      // Ownership from the archive means nothing here; the files belong to whoever runs the build.
      tarArgs: ['--zstd', '-x', '--no-same-owner', '-C', layerDir, '-f', '-'],
      tar: opts.tar,
      signal: opts.signal,
      what: `Installing Python ${version} into ${layerDir}`,
      onBytes: progressReporter(version, opts.onProgress),
    });
  } catch (error) {
    await emptyDirectory(layerDir).catch(() => undefined);
    if (!(error instanceof ArchiveDownloadError)) throw error;
    const failure = error.failure;
    switch (failure.kind) {
      case 'network':
        throw downloadFailed(version, url, failure.detail, failure.cause);
      case 'http':
        if ((failure.status === 403 || failure.status === 404) && archive.requestedPinned) {
          throw notAvailable(version, url, failure.describe, opts.origin);
        }
        throw downloadFailed(version, url, `the server answered ${failure.describe}`);
      case 'unpack':
        throw unpackFailed(version, layerDir, failure.detail, failure.stderr, failure.cause);
    }
  }
  return { sizeBytes: await layerSizeBytes(layerDir), method: 'download' };
}

/** A progress line roughly every tenth of the archive (or every 8 MB when its size is unknown). */
function progressReporter(version: string, onProgress?: (msg: string) => void): ((received: number, total: number | null) => void) | undefined {
  if (!onProgress) return undefined;
  let reported = 0;
  return (received, total) => {
    const step = total !== null ? total / 10 : 8 * 1024 * 1024;
    if (received - reported < step) return;
    reported = received;
    onProgress(
      total !== null
        ? `Downloading Python ${version}: ${mb(received)} of ${mb(total)} MB`
        : `Downloading Python ${version}: ${mb(received)} MB`,
    );
  };
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
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
