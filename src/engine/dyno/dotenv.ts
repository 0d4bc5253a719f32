// The app's `.env` file, read by `pybp run` as `heroku local` reads it: the
// config vars a developer keeps beside the app (SECRET_KEY, DATABASE_URL)
// without putting them in a repo's config file.
//
// The format is the common dotenv one (heroku local, python-dotenv,
// django-environ): one `KEY=value` per line; blank lines and `#` lines are
// skipped; `export KEY=value` is accepted (so the file can also be sourced by
// a shell); a value may be 'single-quoted' (taken literally) or
// "double-quoted" (where \n, \r, \t, \" and \\ are escapes); an unquoted
// value is trimmed and loses a trailing ` # comment`. A line that is none of
// these is an error naming the file and line number, never the line's text:
// a .env holds secrets.
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { ENV_NAME } from '../project/build-env.js';
import { PybpError } from '../core/errors.js';

export const DOTENV = '.env';

export type DotenvLine =
  | { kind: 'skip' }
  | { kind: 'var'; name: string; value: string }
  | { kind: 'bad'; why: string };

const DOUBLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** One line of a .env file (without its line break). `why` never quotes the value. */
export function parseDotenvLine(raw: string): DotenvLine {
  const line = raw.replace(/\r$/, '');
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'skip' };
  const body = trimmed.replace(/^export[ \t]+/, '');
  const eq = body.indexOf('=');
  if (eq === -1) return { kind: 'bad', why: 'it is not of the form NAME=value' };
  const name = body.slice(0, eq).trim();
  if (!ENV_NAME.test(name)) {
    return { kind: 'bad', why: 'the name before = is not a valid variable name (letters, digits and _, not starting with a digit)' };
  }
  const rest = body.slice(eq + 1).trimStart();
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    let value = '';
    let i = 1;
    for (; i < rest.length; i += 1) {
      const c = rest[i];
      if (c === quote) break;
      if (quote === '"' && c === '\\' && i + 1 < rest.length && DOUBLE_ESCAPES[rest[i + 1]] !== undefined) {
        value += DOUBLE_ESCAPES[rest[i + 1]];
        i += 1;
      } else {
        value += c;
      }
    }
    if (i >= rest.length) return { kind: 'bad', why: `its ${quote === '"' ? 'double' : 'single'} quote is not closed on the same line` };
    const after = rest.slice(i + 1).trim();
    if (after !== '' && !after.startsWith('#')) return { kind: 'bad', why: 'there is text after the closing quote' };
    return { kind: 'var', name, value };
  }
  // Unquoted: a `#` after a blank starts a comment; one inside the value (`abc#1`) does not.
  const value = rest.replace(/[ \t]+#.*$/, '').trim();
  return { kind: 'var', name, value };
}

/** A whole .env text → its variables (a later line of the same name wins). `file` names it in errors. */
export function parseDotenv(text: string, file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, index) => {
      const parsed = parseDotenvLine(raw);
      if (parsed.kind === 'var') vars[parsed.name] = parsed.value;
      else if (parsed.kind === 'bad') {
        throw new PybpError({
          code: 'env-file-invalid',
          title: `${path.basename(file)} has a line pybp cannot read`,
          message: `${file}, line ${index + 1}: ${parsed.why}. The line is not shown, as it may hold a secret.`,
          fix: 'Write each config var as NAME=value (quote a value with spaces or # in it: NAME="a b"), or pass --no-env-file to run without the file.',
        });
      }
    });
  return vars;
}

/** Which env file `pybp run` reads: the app's `.env` (if there is one), a file the user named, or none. */
export type EnvFileChoice = { kind: 'app-default' } | { kind: 'named'; file: string } | { kind: 'none' };

export interface EnvFileRead {
  /** The file that was read, or null when none was (no `.env` in the app, or --no-env-file). */
  file: string | null;
  vars: Record<string, string>;
}

/** Reads the chosen env file, bounded and a regular file only. A named file must exist; the app's `.env` may not. */
export async function readEnvFile(appDir: string, choice: EnvFileChoice): Promise<EnvFileRead> {
  if (choice.kind === 'none') return { file: null, vars: {} };
  const file = choice.kind === 'named' ? path.resolve(choice.file) : path.join(appDir, DOTENV);
  const text = await readAppText(file, 'env-file');
  if (text === undefined) {
    if (choice.kind === 'app-default') return { file: null, vars: {} };
    throw new PybpError({
      code: 'env-file-missing',
      title: 'The env file is not there',
      message: `--env-file names ${file}, which does not exist.`,
      fix: 'Check the path (a relative path is taken from the current directory), or leave out --env-file to read the app\'s .env.',
    });
  }
  return { file, vars: parseDotenv(text, file) };
}
