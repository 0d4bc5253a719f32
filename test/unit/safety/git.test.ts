// The one hardened git runner: a repository's own config can't make it run a
// program, a blob comes back as bytes, and its output is bounded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppRepo, runGit, runGitBytes } from '../../../src/engine/io/git.js';

describe('runGit / runGitBytes', () => {
  let repo: string;
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { env, encoding: 'utf8' });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'pybp git '));
    git('init', '-q');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
    writeFileSync(join(repo, 'bytes.bin'), Buffer.from([0xff, 0x00, 0xfe, 0x0a]));
    writeFileSync(join(repo, 'big.txt'), 'x'.repeat(64 * 1024));
    writeFileSync(join(repo, '.gitattributes'), '*.txt filter=evil\n');
    git('add', '-A');
    git('commit', '-qm', 'one');
    // Filters and fsmonitor named by the repo's own config: a program git would run.
    git('config', 'filter.evil.smudge', `touch ${join(repo, 'ran-smudge')}`);
    git('config', 'filter.evil.clean', `touch ${join(repo, 'ran-clean')}`);
    git('config', 'core.fsmonitor', `touch ${join(repo, 'ran-fsmonitor')} #`);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('returns a blob byte for byte', async () => {
    const oid = git('rev-parse', 'HEAD:bytes.bin').trim();
    const r = await runGitBytes(repo, ['cat-file', 'blob', oid], { env });
    expect(r?.code).toBe(0);
    expect([...r!.stdout]).toEqual([0xff, 0x00, 0xfe, 0x0a]);
  });

  it('stops git when its output passes the bound, and says so', async () => {
    const oid = git('rev-parse', 'HEAD:big.txt').trim();
    const r = await runGitBytes(repo, ['cat-file', 'blob', oid], { env, maxOutputBytes: 1024 });
    expect(r).toMatchObject({ code: 1, stopped: 'output' });
    expect(r!.stdout.length).toBe(0);
  });

  it("runs none of the programs the repository's config names", async () => {
    writeFileSync(join(repo, 'big.txt'), 'changed\n');
    const status = await runGit(repo, ['status', '--porcelain'], { env });
    expect(status?.code).toBe(0);
    expect(status?.stdout).toContain('big.txt');
    for (const marker of ['ran-smudge', 'ran-clean', 'ran-fsmonitor']) expect(existsSync(join(repo, marker)), marker).toBe(false);
  });
});

describe('openAppRepo', () => {
  let root: string;
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'pybp open '));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const repoAt = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['-C', dir, 'init', '-q'], { env });
    return dir;
  };

  it("gives the app's place in the work tree", async () => {
    const repo = repoAt('sub');
    mkdirSync(join(repo, 'a', 'b'), { recursive: true });
    const opened = await openAppRepo(join(repo, 'a', 'b'), env);
    expect(opened.kind).toBe('repo');
    if (opened.kind !== 'repo') return;
    expect(opened.repo.workTree).toBe(repo);
    expect(opened.repo.prefix).toBe('a/b/');
    const prefix = await opened.repo.run('rev-parse', ['--show-prefix']);
    expect(prefix.stdout.toString().trim()).toBe('a/b/');
    await opened.repo.close();
  });

  it('runs reading commands only', async () => {
    const opened = await openAppRepo(repoAt('commands'), env);
    if (opened.kind !== 'repo') throw new Error(opened.kind);
    try {
      await expect(opened.repo.run('config' as 'status', ['--list'])).rejects.toThrow(/does not run git config/);
      await expect(opened.repo.run('cat-file', ['--filters', 'HEAD:x'])).rejects.toThrow(/does not run/);
    } finally {
      await opened.repo.close();
    }
  });

  it('stops at GIT_CEILING_DIRECTORIES, as git does', async () => {
    const outer = repoAt('ceiling');
    mkdirSync(join(outer, 'inner'));
    const opened = await openAppRepo(join(outer, 'inner'), { ...env, GIT_CEILING_DIRECTORIES: outer });
    expect(opened.kind).toBe('not-a-repo');
  });

  it('refuses a FIFO where git keeps a file (the index, the branch HEAD names), at once', async () => {
    for (const [name, file] of [['fifo-index', 'index'], ['fifo-branch', 'refs/heads/main']]) {
      const repo = repoAt(name);
      writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      execFileSync('mkfifo', [join(repo, '.git', file)]);
      const opened = await openAppRepo(repo, env);
      expect(opened, file).toMatchObject({ kind: 'unreadable' });
      if (opened.kind === 'unreadable') expect(opened.why).toContain(`${file} is a named pipe`);
    }
  });

  it('follows a `.git` file to its git directory', async () => {
    const repo = repoAt('real');
    const other = join(root, 'gitfile');
    mkdirSync(other);
    writeFileSync(join(other, '.git'), `gitdir: ${join(repo, '.git')}\n`);
    const opened = await openAppRepo(other, env);
    if (opened.kind !== 'repo') throw new Error(opened.kind);
    await opened.repo.close();
    expect(opened.repo.workTree).toBe(other);
  });

  it("honours the user's own core.excludesFile from their global config, and not the repository's", async () => {
    const repo = repoAt('excludes');
    writeFileSync(join(repo, 'editor.swp'), '');
    writeFileSync(join(repo, 'notes.bak'), '');
    writeFileSync(join(root, 'global-ignore'), '*.swp\n');
    writeFileSync(join(root, 'global-config'), `[core]\n\texcludesFile = ${join(root, 'global-ignore')}\n`);
    writeFileSync(join(root, 'repo-ignore'), '*.bak\n');
    execFileSync('git', ['-C', repo, 'config', 'core.excludesFile', join(root, 'repo-ignore')], { env });
    const opened = await openAppRepo(repo, { ...env, GIT_CONFIG_GLOBAL: join(root, 'global-config') });
    if (opened.kind !== 'repo') throw new Error(opened.kind);
    try {
      const others = await opened.repo.run('ls-files', ['-z', '--others', '--exclude-standard']);
      expect(others.stdout.toString().split('\0').filter(Boolean)).toEqual(['notes.bak']);
    } finally {
      await opened.repo.close();
    }
  });

  it('finds no git when PATH has only relative entries or ones inside the app', async () => {
    const repo = repoAt('no-git');
    mkdirSync(join(repo, 'bin'));
    writeFileSync(join(repo, 'bin', 'git'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect((await openAppRepo(repo, { ...env, PATH: `bin:.:${join(repo, 'bin')}` })).kind).toBe('no-git');
  });
});
