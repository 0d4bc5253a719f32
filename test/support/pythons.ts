// The local CPython interpreters tests build with: pyenv's, since this machine
// cannot download Heroku's Python archives (nor uv's managed Pythons).
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type PythonMinor = '3.10' | '3.11' | '3.12' | '3.13';

/** pyenv's root: PYENV_ROOT, as pyenv itself reads it, else ~/.pyenv (another user's tests may name root's pyenv). */
export function pyenvRoot(): string {
  return process.env.PYENV_ROOT || join(homedir(), '.pyenv');
}

export function pyenvVersionsDir(): string {
  return join(pyenvRoot(), 'versions');
}

/** The prefix (`.../versions/3.12.1`) of the newest local patch release of `minor`. */
export function pythonPrefixFor(minor: PythonMinor | string): string {
  const dir = pyenvVersionsDir();
  const patches = (existsSync(dir) ? readdirSync(dir) : [])
    .map((name) => ({ name, m: /^(\d+)\.(\d+)\.(\d+)$/.exec(name) }))
    .filter(({ m }) => m && `${m[1]}.${m[2]}` === minor)
    .sort((a, b) => Number(b.m![3]) - Number(a.m![3]));
  const found = patches.find(({ name }) => existsSync(join(dir, name, 'bin', `python${minor}`)));
  if (!found) throw new Error(`no Python ${minor} under ${dir}: install it with \`pyenv install ${minor}\``);
  return join(dir, found.name);
}

/** Path of the local interpreter for `minor`, e.g. `~/.pyenv/versions/3.12.1/bin/python3.12`. */
export function pythonFor(minor: PythonMinor | string): string {
  return join(pythonPrefixFor(minor), 'bin', `python${minor}`);
}
