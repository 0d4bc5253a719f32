// The .env format `pybp run` reads (heroku local's / python-dotenv's), and its
// errors: a line number and why, never the line's text (a .env holds secrets).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDotenv, parseDotenvLine, readEnvFile } from '../../src/engine/dyno/dotenv.js';
import { PybpError } from '../../src/engine/core/errors.js';

describe('parseDotenv', () => {
  it('reads NAME=value lines, skipping blank and comment lines; a later line wins', () => {
    const text = '\uFEFF# settings\n\nSECRET_KEY=abc123\r\n  DEBUG = 1  \nexport DATABASE_URL=postgres://u:p@h/db\nA=first\nA=second\n   # indented comment\n';
    expect(parseDotenv(text, '.env')).toEqual({ SECRET_KEY: 'abc123', DEBUG: '1', DATABASE_URL: 'postgres://u:p@h/db', A: 'second' });
  });

  it('takes single quotes literally and reads \\n, \\t, \\" and \\\\ in double quotes', () => {
    expect(parseDotenv(`S='a\\nb "c" # not a comment'\nD="line1\\nline2\\t\\"q\\" \\\\ \\x"\nE=""\nF=''\n`, '.env')).toEqual({
      S: 'a\\nb "c" # not a comment',
      D: 'line1\nline2\t"q" \\ \\x',
      E: '',
      F: '',
    });
  });

  it('drops a trailing " # comment" from an unquoted or quoted value, keeping a # inside a value', () => {
    expect(parseDotenv('A=abc # the key\nB=abc#1\nC="x y"  # quoted\nD=\n', '.env')).toEqual({ A: 'abc', B: 'abc#1', C: 'x y', D: '' });
  });

  it.each([
    ['no =', 'JUST_A_NAME', 'not of the form NAME=value'],
    ['a bad name', '1KEY=hunter2', 'not a valid variable name'],
    ['a name with a blank', 'MY KEY=hunter2', 'not a valid variable name'],
    ['an unclosed double quote', 'KEY="hunter2', 'double quote is not closed'],
    ['an unclosed single quote', "KEY='hunter2", 'single quote is not closed'],
    ['text after the quote', 'KEY="hunter2" more', 'text after the closing quote'],
  ])('%s is env-file-invalid naming the line number, without the value', (_what, line, why) => {
    let err: unknown;
    try {
      parseDotenv(`OK=1\n# c\n${line}\n`, '/app/.env');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PybpError);
    const e = err as PybpError;
    expect(e.code).toBe('env-file-invalid');
    expect(e.message).toContain('/app/.env, line 3: ');
    expect(e.message).toContain(why);
    expect(JSON.stringify({ title: e.title, message: e.message, fix: e.fix })).not.toContain('hunter2');
  });

  it('parseDotenvLine skips blanks and comments', () => {
    expect(parseDotenvLine('   ')).toEqual({ kind: 'skip' });
    expect(parseDotenvLine('#x=1')).toEqual({ kind: 'skip' });
    expect(parseDotenvLine('export  X=1')).toEqual({ kind: 'var', name: 'X', value: '1' });
  });
});

describe('readEnvFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pybp dotenv '));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the app's .env; none there is no config var and no error", async () => {
    const app = path.join(dir, 'app');
    await mkdir(app);
    expect(await readEnvFile(app, { kind: 'app-default' })).toEqual({ file: null, vars: {} });
    await writeFile(path.join(app, '.env'), 'A=1\n');
    expect(await readEnvFile(app, { kind: 'app-default' })).toEqual({ file: path.join(app, '.env'), vars: { A: '1' } });
    expect(await readEnvFile(app, { kind: 'none' })).toEqual({ file: null, vars: {} });
  });

  it('a named file must exist (env-file-missing)', async () => {
    await expect(readEnvFile(dir, { kind: 'named', file: path.join(dir, 'nope.env') })).rejects.toMatchObject({ code: 'env-file-missing' });
    await writeFile(path.join(dir, 'other.env'), 'B=2\n');
    expect((await readEnvFile(dir, { kind: 'named', file: path.join(dir, 'other.env') })).vars).toEqual({ B: '2' });
  });

  it('a .env that is a FIFO or a link to a device is refused unread (app-file-not-regular)', async () => {
    const fifoApp = path.join(dir, 'fifo');
    await mkdir(fifoApp);
    execFileSync('mkfifo', [path.join(fifoApp, '.env')]);
    await expect(readEnvFile(fifoApp, { kind: 'app-default' })).rejects.toMatchObject({ code: 'app-file-not-regular' });
    const devApp = path.join(dir, 'dev');
    await mkdir(devApp);
    await symlink('/dev/zero', path.join(devApp, '.env'));
    await expect(readEnvFile(devApp, { kind: 'app-default' })).rejects.toMatchObject({ code: 'app-file-not-regular' });
  });
});
