// Errors as data. Every failure a user can act on is a PybpError with a stable
// kebab-case `code`, a short `title`, a `message` that carries the values that
// matter, and a `fix`. Anything else that escapes is a bug in pybp and is
// rendered as `internal-error`.

import os from 'node:os';
import { inert } from './inert-text.js';

export type ErrorCode =
  // usage and configuration
  | 'usage'
  | 'config-invalid'
  | 'app-dir-not-found'
  | 'app-dir-not-a-directory'
  | 'app-dir-unreadable'
  | 'app-dir-not-utf8'
  // a file from the app that pybp refuses to read (app-file.ts)
  | 'app-file-not-regular'
  | 'app-file-too-large'
  // detection and pre-build checks (spec §2–§4)
  | 'not-a-python-app'
  | 'file-check-failed'
  | 'forbidden-env-vars'
  | 'no-package-manager'
  | 'multiple-package-managers'
  // Python version (spec §5)
  | 'runtime-txt-not-supported'
  | 'python-version-file-unreadable'
  | 'python-version-invalid'
  | 'python-version-multiple'
  | 'python-version-empty'
  | 'python-version-required-with-uv'
  | 'python-version-eol'
  | 'python-version-unknown'
  // python layer (spec §7.2, plus pybp's local source)
  | 'python-download-failed'
  | 'python-unpack-failed'
  | 'python-version-not-available'
  | 'python-interpreter-not-found'
  | 'python-copy-failed'
  | 'python-archive-target-unsupported'
  // python layer from pybp's pinned uv (python.source uv)
  | 'python-uv-unavailable'
  | 'python-uv-install-failed'
  | 'python-uv-version-not-available'
  // tool layers
  | 'bundled-pip-not-found'
  | 'pip-install-failed'
  | 'poetry-install-failed'
  | 'uv-download-failed'
  | 'uv-unpack-failed'
  | 'uv-install-failed'
  // dependency layers
  | 'venv-create-failed'
  | 'pip-dependencies-failed'
  | 'poetry-sync-failed'
  | 'uv-sync-failed'
  | 'command-spawn-failed'
  // Django (spec §11)
  | 'django-inspect-failed'
  | 'collectstatic-failed'
  // layer store (libcnb framework errors, local lifecycle)
  | 'layer-toml-invalid'
  | 'layer-write-failed'
  | 'layers-locked'
  | 'layers-dir-unwritable'
  // ownership and trust (store/ownership.ts, store/layers-dir.ts)
  | 'layers-dir-outside-app'
  | 'paths-heroku-unavailable'
  | 'layers-dir-not-owned'
  | 'layers-dir-unknown-entry'
  | 'layers-dir-other-app'
  // pybp's own cache and state directories and what it keeps there (io/own-dir.ts, io/pinned-files.ts)
  | 'pybp-cache-dir-unsafe'
  | 'pybp-state-dir-unsafe'
  | 'pinned-tool-hash-mismatch'
  | 'disk-full'
  | 'read-only-filesystem'
  | 'layers-dir-removed'
  | 'interrupted'
  // pybp run
  | 'not-built'
  | 'no-web-process'
  | 'no-process-type'
  | 'env-file-invalid'
  | 'env-file-missing'
  // a config var value no program can be given (a NUL is each source's invalid-input code)
  | 'config-var-too-large'
  // doctor's checks of what Heroku and the next build will really do
  | 'lockfile-out-of-date'
  | 'procfile-command-missing'
  | 'path-outside-app'
  | 'no-linux-wheel'
  | 'python-interpreter-missing'
  | 'poetry-root-not-installable'
  | 'setuptools-missing-at-runtime'
  // pybp history / explain --last / explain --since
  | 'no-build-history'
  | 'git-unavailable'
  | 'git-ref-unknown'
  | 'git-object-missing'
  // pybp cache ls / prune
  | 'confirmation-required'
  | 'cache-entry-not-owned'
  | 'internal-error';

export interface ErrorData {
  code: ErrorCode;
  title: string;
  message: string;
  fix: string;
  /** Extra lines shown under the message (a list of files, captured stderr...). */
  details?: string[];
  /** The failing tool's last output lines, oldest first (escape codes removed). */
  output?: string[];
}

export class PybpError extends Error implements ErrorData {
  readonly code: ErrorCode;
  readonly title: string;
  readonly fix: string;
  readonly details?: string[];
  readonly output?: string[];

  constructor(data: ErrorData, options?: { cause?: unknown }) {
    super(data.message, options);
    this.name = 'PybpError';
    this.code = data.code;
    this.title = data.title;
    this.fix = data.fix;
    if (data.details && data.details.length > 0) this.details = data.details;
    if (data.output && data.output.length > 0) this.output = data.output;
  }

  toData(): ErrorData {
    const data: ErrorData = { code: this.code, title: this.title, message: this.message, fix: this.fix };
    if (this.details) data.details = this.details;
    if (this.output) data.output = this.output;
    return data;
  }
}

export function isPybpError(value: unknown): value is PybpError {
  return value instanceof PybpError;
}

/** Turns anything thrown into error data; unknown throwables are pybp bugs. */
export function toErrorData(value: unknown): ErrorData {
  if (isPybpError(value)) return value.toData();
  // Not pybp's words: an exception's message can quote a path or anything else it was given, so it is
  // one line, shown inert (core/inert-text.ts), like any other text pybp did not write.
  const text = inert(value instanceof Error ? value.message : String(value));
  const errno = (value as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return {
      code: 'disk-full',
      title: 'The disk is full',
      message: `Writing the build failed because the disk is full: ${text}`,
      fix: 'Free some disk space (or point --layers-dir at a disk with room) and build again. The previous build\'s layers were kept.',
    };
  }
  if (errno === 'EROFS') {
    const where = (value as NodeJS.ErrnoException).path;
    return readOnlyFilesystem(where ?? null, text);
  }
  return {
    code: 'internal-error',
    title: 'pybp hit an unexpected error',
    message: text,
    fix: 'This is probably a bug in pybp. Run again with --debug for a stack trace and report it.',
  };
}

/** A write refused because the file system is mounted read-only (EROFS). */
export function readOnlyFilesystem(where: string | null, detail: string): ErrorData {
  return {
    code: 'read-only-filesystem',
    title: 'The file system is read-only',
    message: `pybp could not write${where ? ` ${where}` : ''}: that file system is mounted read-only (${detail}).`,
    fix: 'Build where pybp can write: pass --layers-dir (or set layersDir in the config) to a directory on a writable disk, or remount the disk read-write.',
  };
}

/** Exit statuses rendered Rust-style, as the buildpack shows them. */
/**
 * A finished process's status as Rust's `ExitStatus` prints it (the buildpack's
 * error messages): `exit status: 1`, or `signal: 9 (SIGKILL)` for any signal
 * this platform names. Rust adds ` (core dumped)` when the wait status says so;
 * Node's child_process drops that bit (libuv reports only the signal), and it
 * cannot be read afterwards (the process is reaped), so pybp never claims it.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const number = (os.constants.signals as Partial<Record<string, number>>)[signal];
    return number === undefined ? `signal: ${signal}` : `signal: ${number} (${signal})`;
  }
  return `exit status: ${code ?? 'unknown'}`;
}

export const BUG_REPORT_ADVICE =
  'This is unexpected: it may be a bug in pybp or a problem with this machine. Try again; if it keeps happening, run with --debug and report it.';
