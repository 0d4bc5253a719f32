// `.python-version` parsing (spec §5.2), matching the buildpack's Rust parser
// character for character: which whitespace is trimmed, when a line is a
// comment, what counts as a number.

import { PybpError } from '../core/errors.js';
import { DEFAULT_PYTHON, LATEST_PATCH } from '../core/versions.js';
import type { RequestedPython } from './types.js';

// Rust `char::is_whitespace` (Unicode White_Space). Unlike JS `trim()` it
// keeps U+FEFF and strips U+0085.
const WS = '\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const RUST_TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');

/** Rust `str::trim`. */
export function rustTrim(text: string): string {
  return text.replace(RUST_TRIM, '');
}

/** ASCII controls and every non-ASCII character (per code point) become U+FFFD, so invisible characters show. */
export function sanitiseLine(line: string): string {
  return line.replace(/[\u0000-\u001F\u007F]|[^\u0000-\u007F]/gu, '\uFFFD');
}

/** Rust `str::lines`: split on `\n`, dropping a `\r` right before it. */
function splitLines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Rust `u16::from_str`: ASCII digits with an optional single leading `+`, at most 65535. */
export function parseRustU16(text: string): number | undefined {
  const match = /^\+?([0-9]+)$/.exec(text);
  if (!match) return undefined;
  const digits = match[1].replace(/^0+(?=.)/, '');
  if (digits.length > 5) return undefined;
  const value = Number(digits);
  return value <= 0xffff ? value : undefined;
}

export function formatRequested(r: RequestedPython): string {
  return r.patch === undefined ? `${r.major}.${r.minor}` : `${r.major}.${r.minor}.${r.patch}`;
}

/** Lines that count as versions: trimmed, non-empty, not `#` comments, sanitised. */
export function versionLines(text: string): string[] {
  return splitLines(text)
    .map(rustTrim)
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(sanitiseLine);
}

export function parsePythonVersionFile(text: string): RequestedPython {
  const lines = versionLines(text);
  if (lines.length === 0) throw noVersionError();
  if (lines.length > 1) throw multipleVersionsError(lines);
  const line = lines[0];
  const parts = line.split('.').map(parseRustU16);
  if (parts.some((p) => p === undefined) || parts.length < 2 || parts.length > 3) throw invalidVersionError(line);
  const [major, minor, patch] = parts as number[];
  return patch === undefined ? { major, minor } : { major, minor, patch };
}

const TITLE = 'Invalid Python version in .python-version';

function example(): string {
  return formatRequested(DEFAULT_PYTHON);
}

function patchAdvice(): string {
  const latest = LATEST_PATCH[DEFAULT_PYTHON.minor];
  return (
    `We recommend the major version only (e.g. ${example()}) rather than an exact version ` +
    `(e.g. ${example()}.${latest ?? 0}): then every build gets the latest patch release, with its security fixes.`
  );
}

// A `.python-version` can be anything (a binary, megabytes of text): the
// error shows enough of it to recognise, not all of it.
const MAX_SHOWN_CHARS = 200;
const MAX_SHOWN_LINES = 20;

function shown(line: string): string {
  const chars = [...line];
  if (chars.length <= MAX_SHOWN_CHARS) return line;
  return `${chars.slice(0, MAX_SHOWN_CHARS).join('')}… (${chars.length - MAX_SHOWN_CHARS} more characters)`;
}

function shownLines(lines: readonly string[]): string[] {
  const head = lines.slice(0, MAX_SHOWN_LINES).map(shown);
  return lines.length > MAX_SHOWN_LINES ? [...head, `… and ${lines.length - MAX_SHOWN_LINES} more lines`] : head;
}

function invalidVersionError(fullLine: string): PybpError {
  const line = shown(fullLine);
  return new PybpError({
    code: 'python-version-invalid',
    title: TITLE,
    message:
      `The Python version in .python-version is not in a valid format. The file contains: ${line}\n` +
      `A version must be either a major version like ${example()} (recommended) or an exact version like ` +
      `${example()}.999, with no quotes, "python-" prefix or wildcards.`,
    details: [line],
    fix:
      `Change .python-version so that it contains only a version, e.g. ${example()}. Comments must be on their ` +
      `own line, starting with #. ${patchAdvice()}`,
  });
}

function multipleVersionsError(lines: readonly string[]): PybpError {
  return new PybpError({
    code: 'python-version-multiple',
    title: TITLE,
    message: `.python-version contains more than one version (${lines.length} lines that are not comments):`,
    details: shownLines(lines),
    fix:
      `Keep only one version line in .python-version, e.g. ${example()}. Any other line must be a comment ` +
      `starting with #.`,
  });
}

function noVersionError(): PybpError {
  return new PybpError({
    code: 'python-version-empty',
    title: TITLE,
    message: `.python-version exists but contains no Python version (it is empty, or every line is blank or a # comment).`,
    fix:
      `Put the major Python version in .python-version, e.g. ${example()}, with no quotes or "python-" prefix, ` +
      `and make sure that line is not commented out with #.`,
  });
}
