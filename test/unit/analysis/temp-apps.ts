// Temporary app directories for the analysis tests. One root per test file,
// one subdirectory per app; names contain spaces on purpose.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { PybpError, type ErrorCode } from '../../../src/engine/core/errors.js';

export type Entry = string | Uint8Array | { dir: true } | { symlink: string };

export function useTempApps(): (entries?: Record<string, Entry>) => Promise<string> {
  let root = '';
  let count = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pybp analysis '));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
  return async (entries = {}) => {
    const app = join(root, `my app ${++count}`);
    await mkdir(app);
    for (const [name, entry] of Object.entries(entries)) {
      const path = join(app, name);
      await mkdir(dirname(path), { recursive: true });
      if (typeof entry === 'string' || entry instanceof Uint8Array) await writeFile(path, entry);
      else if ('dir' in entry) await mkdir(path, { recursive: true });
      else await symlink(entry.symlink, path);
    }
    return app;
  };
}

/** Runs `fn`, expects a PybpError with `code`, and returns it for further assertions. */
export async function expectPybpError(fn: () => unknown, code: ErrorCode): Promise<PybpError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PybpError);
  const error = caught as PybpError;
  expect(error.code).toBe(code);
  expect(error.title.length).toBeGreaterThan(0);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.fix.length).toBeGreaterThan(0);
  return error;
}
