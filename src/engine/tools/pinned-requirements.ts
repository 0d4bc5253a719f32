// The pip arguments that install a pinned tool with hash checking (pip's
// --require-hashes, from the hashes fixed in pinned-hashes.ts): the requirements
// file is written into a directory pybp made for this one install.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { POETRY_REQUIREMENTS, UV_REQUIREMENTS } from './pinned-hashes.js';

export type HashedTool = 'uv' | 'poetry';

/** Writes `<dir>/<tool>-requirements.txt` and returns the pip install arguments that use it. */
export async function hashedRequirementArgs(tool: HashedTool, dir: string): Promise<string[]> {
  const file = path.join(dir, `${tool}-requirements.txt`);
  await fs.writeFile(file, tool === 'uv' ? UV_REQUIREMENTS : POETRY_REQUIREMENTS, { mode: 0o600, flag: 'wx' });
  // uv's sdist would build uv from its Rust source: the wheel only.
  return ['--require-hashes', ...(tool === 'uv' ? ['--only-binary', ':all:'] : []), '--requirement', file];
}

/**
 * `python <bundled pip wheel>/pip install ...` for one of pybp's tools, into
 * `--target` or `--user` (PYTHONUSERBASE): the argv the build's layers and
 * doctor's own tool copies are installed with.
 */
export function pipInstallArgv(args: { python: string; wheel: string; target?: string; indexUrl?: string; requirementArgs: string[] }): string[] {
  return [
    args.python,
    path.join(args.wheel, 'pip'),
    'install',
    '--disable-pip-version-check',
    '--isolated',
    '--no-cache-dir',
    '--no-input',
    '--no-warn-script-location',
    '--quiet',
    ...(args.target ? ['--target', args.target] : ['--user']),
    ...(args.indexUrl ? ['--index-url', args.indexUrl] : []),
    ...args.requirementArgs,
  ];
}
