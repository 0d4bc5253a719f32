// Which of pybp's own directories it trusts (src/engine/io/own-dir.ts): this
// user's and written by nobody else, below directories nobody else can rename.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOwnDirIfPresent, ensureOwnDir, unsafeDirReason } from '../../src/engine/io/own-dir.js';
import { PybpError } from '../../src/engine/core/errors.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'pybp-own-dir-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('unsafeDirReason', () => {
  it('trusts a 0700 directory of this user below /tmp (sticky), and one not made yet', () => {
    const root = join(base, 'pybp');
    expect(unsafeDirReason(join(root, 'tools', 'uv'), root)).toBeNull();
    ensureOwnDir('cache', join(root, 'tools'), root);
    expect(unsafeDirReason(join(root, 'tools'), root)).toBeNull();
  });

  it('refuses pybp dirs writable by the group or everyone, and a parent writable by everyone without the sticky bit', () => {
    const root = join(base, 'pybp');
    mkdirSync(join(root, 'tools'), { recursive: true });
    chmodSync(join(root, 'tools'), 0o770);
    expect(unsafeDirReason(join(root, 'tools'), root)).toMatch(/tools can be written by its group \(mode 0770\)$/);
    chmodSync(join(root, 'tools'), 0o700);
    chmodSync(root, 0o777);
    expect(unsafeDirReason(join(root, 'tools'), root)).toMatch(/pybp can be written by every user \(mode 0777\)$/);
    chmodSync(root, 0o700);
    chmodSync(base, 0o777);
    expect(unsafeDirReason(join(root, 'tools'), root)).toMatch(/, above it, can be written by every user \(mode 0777\)$/);
    chmodSync(base, 0o1777);
    expect(unsafeDirReason(join(root, 'tools'), root)).toBeNull();
  });

  it('follows links: a subdir linked out of pybp is refused, a linked ~/.cache that passes is fine', () => {
    const root = join(base, 'pybp');
    mkdirSync(root);
    mkdirSync(join(base, 'elsewhere'));
    symlinkSync(join(base, 'elsewhere'), join(root, 'tools'));
    expect(unsafeDirReason(join(root, 'tools'), root)).toMatch(/resolves to .*elsewhere, outside pybp's directory/);
    const linkedRoot = join(base, 'cache-link');
    symlinkSync(root, linkedRoot);
    expect(unsafeDirReason(join(linkedRoot, 'x'), linkedRoot)).toBeNull();
  });

  it('checkOwnDirIfPresent makes nothing and throws the coded error with the fix', () => {
    const root = join(base, 'pybp');
    expect(checkOwnDirIfPresent('state', join(root, 'layers-dirs'), root)).toBe(true);
    mkdirSync(root, { mode: 0o777 });
    chmodSync(root, 0o777);
    let error: unknown;
    try {
      checkOwnDirIfPresent('state', join(root, 'layers-dirs'), root);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PybpError);
    expect((error as PybpError).code).toBe('pybp-state-dir-unsafe');
    expect((error as PybpError).fix).toContain('XDG_STATE_HOME');
  });
});
