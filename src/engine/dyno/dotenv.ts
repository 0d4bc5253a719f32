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
import { configVarTooLarge, ENV_NAME, envNameProblem, envValueProblem } from '../project/build-env.js';
import { isPybpError, PybpError } from '../core/errors.js';
import { describeFileType } from '../io/app-file.js';
import { stat } from 'node:fs/promises';

export const DOTENV = '.env';

export type DotenvLine =
  | { kind: 'skip' }
  | { kind: 'var'; name: string; value: string }
  | { kind: 'bad'; why: string }
  /** A well-formed line whose value no program can be given (a NUL, or too large); `why` names the variable, never the value. */
  | { kind: 'unpassable'; name: string; code: 'invalid' | 'config-var-too-large'; why: string };

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
  const nameProblem = envNameProblem(name);
  if (nameProblem) return { kind: 'bad', why: `the name before = (${name}) ${nameProblem}` };
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
    return passable(name, value);
  }
  // Unquoted: a `#` after a blank starts a comment; one inside the value (`abc#1`) does not.
  const value = rest.replace(/[ \t]+#.*$/, '').trim();
  return passable(name, value);
}

function passable(name: string, value: string): DotenvLine {
  const problem = envValueProblem(name, value);
  return problem ? { kind: 'unpassable', name, ...problem } : { kind: 'var', name, value };
}

/** A whole .env text → its variables (a later line of the same name wins). `file` names it in errors. */
export function parseDotenv(text: string, file: string): Record<string, string> {
  // No prototype: whatever a name is, it is a key here and nothing else.
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, index) => {
      const parsed = parseDotenvLine(raw);
      if (parsed.kind === 'var') vars[parsed.name] = parsed.value;
      else if (parsed.kind === 'unpassable' && parsed.code === 'config-var-too-large') {
        throw configVarTooLarge(parsed.name, `${file}, line ${index + 1}`, parsed.why);
      } else if (parsed.kind === 'unpassable') {
        throw new PybpError({
          code: 'env-file-invalid',
          title: `${path.basename(file)} has a value pybp cannot pass on`,
          message: `${file}, line ${index + 1}: the value of ${parsed.name} ${parsed.why}. The value is not shown, as it may hold a secret.`,
          fix: `Remove the NUL character from the value of ${parsed.name} (an editor may show it as ^@), or pass --no-env-file to run without the file.`,
        });
      } else if (parsed.kind === 'bad') {
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
  let text: string | undefined;
  try {
    text = await readAppText(file, 'env-file');
  } catch (err) {
    if (choice.kind === 'named' && isPybpError(err) && err.code === 'app-file-not-regular') throw await namedNotRegular(choice.file, file);
    throw err;
  }
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

/**
 * `--env-file` naming a pipe, a device or a directory: what it is, said of
 * the path as given (`/dev/stdin`, `/dev/fd/63` from a shell's `<(...)`),
 * not of its last component ("63").
 */
async function namedNotRegular(given: string, file: string): Promise<PybpError> {
  let what = 'not a regular file';
  try {
    what = describeFileType(await stat(file));
  } catch {
    // gone since: keep the general words
  }
  const pipe = what.includes('pipe') || what.includes('socket');
  return new PybpError({
    code: 'app-file-not-regular',
    title: 'The env file is not a regular file',
    message:
      `--env-file names ${given}, which is ${what}${pipe ? ' (as /dev/stdin or a shell\'s <(...) gives)' : ''}. ` +
      'pybp reads an env file only from a regular file: reading a pipe or a device can block or never end.',
    fix: what === 'a directory'
      ? 'Name the file inside it (e.g. --env-file path/to/.env), or leave out --env-file to read the app\'s .env.'
      : 'Write the variables to a file and pass its path (--env-file path/to/file), or pass them one by one with --env NAME=value.',
  });
}
