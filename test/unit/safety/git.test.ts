// The one hardened git runner: a repository's own config can't make it run a
// program, a blob comes back as bytes, and its output is bounded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, runGitBytes } from '../../../src/engine/io/git.js';

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
