// The one way pybp downloads an archive: one request, no retry (as the
// buildpack does), the body streamed straight into the system tar with no
// temporary file. Used for Heroku's Python archive and Astral's uv archive.
//
// An abort (Ctrl-C, SIGTERM) at any point — before the answer, mid-body,
// while tar finishes — is always the `interrupted` error, never a network or
// unpack failure: the two used to be separate copies, and the uv one lost
// this check. Every other failure comes back as data for the caller to word,
// since what a 404 means depends on what was asked for.

import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { interruptedError } from '../core/interrupted.js';
import { startProcess } from './process.js';

export type ArchiveFailure =
  /** No answer: refused, DNS, TLS, reset. `detail` carries undici's cause. */
  | { kind: 'network'; detail: string; cause?: unknown }
  /** An answer other than 2xx. `describe` is e.g. "HTTP 404 Not Found". */
  | { kind: 'http'; status: number; describe: string }
  /** tar could not run, rejected the archive, or the body broke off. */
  | { kind: 'unpack'; detail: string; stderr: string[]; cause?: unknown };

export class ArchiveDownloadError extends Error {
  constructor(readonly failure: ArchiveFailure) {
    super(failure.kind === 'http' ? failure.describe : failure.detail, failure.kind === 'http' ? undefined : { cause: failure.cause });
    this.name = 'ArchiveDownloadError';
  }
}

export interface ArchiveDownload {
  url: string;
  /** tar's arguments; the archive arrives on its stdin. */
  tarArgs: readonly string[];
  /** The tar program; default `tar`. */
  tar?: string;
  signal?: AbortSignal;
  /** Names the operation for the `interrupted` error, e.g. "Installing Python 3.12.13 into /x/python". */
  what: string;
  /** Bytes received so far, and the total when the server said it. */
  onBytes?: (received: number, total: number | null) => void;
}

const STDERR_LIMIT = 16 * 1024;

/**
 * Fetches `url` and unpacks it with tar. Throws the `interrupted` PybpError when
 * `signal` aborted, else an ArchiveDownloadError. The caller cleans up whatever
 * tar wrote before a failure.
 */
export async function downloadArchive(req: ArchiveDownload): Promise<void> {
  const { signal } = req;
  if (signal?.aborted) throw interruptedError(req.what);
  let response: Response;
  try {
    response = await fetch(req.url, { signal });
  } catch (error) {
    if (signal?.aborted) throw interruptedError(req.what, error);
    throw new ArchiveDownloadError({ kind: 'network', detail: describeFetchError(error), cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const describe = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new ArchiveDownloadError({ kind: 'http', status: response.status, describe });
  }
  if (!response.body) throw new ArchiveDownloadError({ kind: 'network', detail: 'the response had no body' });
  try {
    await unpack(response, req);
  } catch (error) {
    if (signal?.aborted) throw interruptedError(req.what, error);
    throw error;
  }
}

async function unpack(response: Response, req: ArchiveDownload): Promise<void> {
  const tar = req.tar ?? 'tar';
  let stderr = '';
  const child = startProcess({
    argv: [tar, ...req.tarArgs],
    env: process.env,
    stdin: 'pipe',
    stdout: 'ignore',
    signal: req.signal,
    keep: false,
    onStderr: (chunk) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
    },
  });
  const finished = child.done.then((end) =>
    end.kind === 'not-started' ? { code: null, signal: null, error: end.error as Error } : { code: end.code, signal: end.signal, error: undefined },
  );
  if (!child.stdin) {
    const exit = await finished;
    throw new ArchiveDownloadError({ kind: 'unpack', detail: `${tar} could not be run: ${exit.error?.message ?? 'no stdin'}`, stderr: [], cause: exit.error });
  }

  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) && length > 0 ? length : null;
  let streamError: unknown;
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      byteCounter(total, req.onBytes),
      child.stdin,
    );
  } catch (error) {
    streamError = error;
  }
  const exit = await finished;

  const command = `${tar} ${req.tarArgs.join(' ')}`;
  const fail = (detail: string, cause?: unknown): ArchiveDownloadError => {
    const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
    return new ArchiveDownloadError({ kind: 'unpack', detail, stderr: lines, cause });
  };
  if (exit.error) throw fail(`${command} could not be run: ${exit.error.message}`, exit.error);
  if (streamError !== undefined && !isBrokenPipe(streamError)) {
    // The body broke off (or the connection did): tar saw a truncated archive.
    throw fail(`the download broke off: ${describeFetchError(streamError)}`, streamError);
  }
  if (exit.code !== 0) {
    throw fail(`${command} ${exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`}`);
  }
  if (streamError !== undefined) throw fail(`tar stopped reading the archive: ${describeFetchError(streamError)}`, streamError);
}

function byteCounter(total: number | null, onBytes?: (received: number, total: number | null) => void): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      onBytes?.(received, total);
      callback(null, chunk);
    },
  });
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
