// Temp dirs (test/support/temp-dirs.ts): what a test makes is gone when the
// test ends — passed, failed or timed out — what a file makes in beforeAll is
// gone after its last test, and all of it sits under the run's own root.
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildrenClosedError, closeFileScope, spawnChild, withChildScope } from '../support/children.js';
import { makeTempDir } from '../support/temp-dirs.js';

/** A tree a plain `rm` would trip over as a non-root user: a read-only file in a chmod-000 directory. */
async function fillAwkwardly(dir: string): Promise<void> {
  await mkdir(join(dir, 'locked', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'locked', 'deeper', 'file'), 'x');
  await chmod(join(dir, 'locked', 'deeper', 'file'), 0o400);
  await chmod(join(dir, 'locked'), 0o000);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(ok(), what).toBe(true);
}

describe('makeTempDir', () => {
  let fileDir = '';
  let passedDir = '';
  let timedOutDir = '';

  beforeAll(async () => {
    fileDir = await makeTempDir('pybp selftest file-');
  });

  it('makes the dir under the run root, which is under the machine temp dir', async () => {
    const dir = await makeTempDir('pybp selftest root-');
    const root = inject('tempRoot');
    expect(dirname(dir)).toBe(root);
    expect(dirname(root)).toBe(tmpdir());
    // Any user may reach a dir of its own in it, as in the machine's temp dir (bad-input runs pybp as nobody).
    expect((await stat(root)).mode & 0o777).toBe(0o755);
    expect(dir).toContain('pybp selftest root-');
  });

  it('a test makes a dir (and makes it hard to remove)', async () => {
    passedDir = await makeTempDir('pybp selftest passed-');
    await fillAwkwardly(passedDir);
    expect(existsSync(passedDir)).toBe(true);
  });

  it('... and it is gone once that test has ended', () => {
    expect(passedDir).not.toBe('');
    expect(existsSync(passedDir)).toBe(false);
  });

  it.fails('a test makes a dir and then times out', { timeout: 500 }, async () => {
    timedOutDir = await makeTempDir('pybp selftest timed-out-');
    await new Promise(() => undefined);
  });

  it('... and its dir is gone all the same', () => {
    expect(timedOutDir).not.toBe('');
    expect(existsSync(timedOutDir)).toBe(false);
  });

  it('a test that throws leaves no dir', async () => {
    let dir = '';
    await expect(
      withChildScope('inner test', async () => {
        dir = await makeTempDir('pybp selftest failed-');
        await fillAwkwardly(dir);
        throw new Error('the test failed');
      }),
    ).rejects.toThrow('the test failed');
    expect(dir).not.toBe('');
    expect(existsSync(dir)).toBe(false);
  });

  it('the dir goes after the test’s processes: a writer still running at the end does not bring it back', async () => {
    let dir = '';
    await withChildScope('inner test', async () => {
      dir = await makeTempDir('pybp selftest writer-');
      spawnChild('sh', ['-c', 'while :; do mkdir -p "$1/sub" && touch "$1/sub/f"; sleep 0.01; done', 'sh', dir], { stdio: 'ignore' });
      await until('the writer has written', () => existsSync(join(dir, 'sub', 'f')));
    });
    expect(existsSync(dir)).toBe(false);
    // Had the writer outlived the removal it would have made the dir again by now.
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(dir)).toBe(false);
  });

  it('a body that goes on after its test ended cannot keep a dir', async () => {
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let late: Promise<string> | undefined;
    await withChildScope('inner test', async () => {
      late = (async () => {
        await gate;
        return makeTempDir('pybp selftest late-');
      })();
    });
    resume();
    await expect(late).rejects.toBeInstanceOf(ChildrenClosedError);
  });

  it('what beforeAll made lasts across the file’s tests, and goes when the file scope closes (its afterAll)', async () => {
    expect(existsSync(fileDir)).toBe(true);
    await fillAwkwardly(fileDir);
    // What test/support/children-setup.ts's afterAll does after the last test.
    await closeFileScope();
    expect(existsSync(fileDir)).toBe(false);
  });
});
