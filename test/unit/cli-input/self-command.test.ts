// The one choice of how a next: hint names pybp: `pybp` when the first pybp on
// PATH is this install, `npx pybp` inside the clone, else `node <abs cli.js>`.
import { describe, expect, it } from 'vitest';
import { type SelfCommandProbe, selfCommand } from '../../../src/commands/self-command.js';

/** A machine: symlinks (path → target), executable files, package.json files (path → text). */
function machine(opts: { path: string; cwd: string; cliFile: string; links?: Record<string, string>; executables?: string[]; packages?: Record<string, string> }): SelfCommandProbe {
  const links = opts.links ?? {};
  const files = new Set([...(opts.executables ?? []), ...Object.keys(opts.packages ?? {})]);
  const resolve = (p: string) => links[p] ?? p;
  return {
    pathEnv: opts.path,
    cwd: opts.cwd,
    cliFile: opts.cliFile,
    realpath: (p) => (files.has(resolve(p)) || links[p] || p === opts.cwd || !p.includes('.') ? resolve(p) : null),
    isExecutableFile: (p) => (opts.executables ?? []).includes(resolve(p)),
    isFile: (p) => files.has(resolve(p)),
    readText: (p) => opts.packages?.[p] ?? null,
  };
}

const CLONE_CLI = '/home/u/src/pybp/dist/cli.js';
const CLONE_PKG = { '/home/u/src/pybp/package.json': '{"name":"pybp","bin":{"pybp":"dist/cli.js"}}' };

describe('selfCommand', () => {
  it('pybp, when the first pybp on PATH links to this cli.js (npm install -g, npm link)', () => {
    const probe = machine({
      path: '/usr/bin:/home/u/.npm-global/bin',
      cwd: '/home/u/myapp',
      cliFile: '/home/u/.npm-global/bin/pybp',
      links: { '/home/u/.npm-global/bin/pybp': CLONE_CLI },
      executables: [CLONE_CLI],
      packages: CLONE_PKG,
    });
    expect(selfCommand(probe)).toEqual(['pybp']);
  });

  it('not pybp when an earlier pybp on PATH is another install; then npx pybp inside the clone', () => {
    const other = '/opt/old-pybp/dist/cli.js';
    const base = {
      path: '/usr/local/bin:/home/u/.npm-global/bin',
      cliFile: CLONE_CLI,
      links: { '/usr/local/bin/pybp': other, '/home/u/.npm-global/bin/pybp': CLONE_CLI },
      executables: [other, CLONE_CLI],
      packages: CLONE_PKG,
    };
    expect(selfCommand(machine({ ...base, cwd: '/home/u/src/pybp/examples/pip-flask' }))).toEqual(['npx', 'pybp']);
    expect(selfCommand(machine({ ...base, cwd: '/home/u/myapp' }))).toEqual(['node', CLONE_CLI]);
  });

  it('node /abs/cli.js outside the clone, or where a nearer package.json makes npx look elsewhere', () => {
    const base = { path: '/usr/bin', cliFile: CLONE_CLI, executables: [CLONE_CLI] };
    expect(selfCommand(machine({ ...base, cwd: '/srv/app', packages: CLONE_PKG }))).toEqual(['node', CLONE_CLI]);
    const nested = machine({ ...base, cwd: '/home/u/src/pybp/examples/node-app', packages: { ...CLONE_PKG, '/home/u/src/pybp/examples/node-app/package.json': '{}' } });
    expect(selfCommand(nested)).toEqual(['node', CLONE_CLI]);
  });

  it('a clone that is not pybp (package.json of another name) is no reason for npx pybp; relative PATH entries are not trusted', () => {
    const probe = machine({
      path: '.:bin',
      cwd: '/home/u/src/pybp',
      cliFile: CLONE_CLI,
      links: { 'bin/pybp': CLONE_CLI },
      executables: [CLONE_CLI],
      packages: { '/home/u/src/pybp/package.json': '{"name":"fork"}' },
    });
    expect(selfCommand(probe)).toEqual(['node', CLONE_CLI]);
  });
});
