// Files that pybp's config names for a tool (python.uvDownloadsJsonUrl: a
// path, or a file: URL) follow the rules of app files (app-file.ts): a
// regular file within a cap, checked before planning goes on, and handed to
// the tool only as pybp's own copy, read bounded, so a FIFO, /dev/zero or a
// file swapped after the check never reaches uv.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PybpError } from '../core/errors.js';
import { type AppFileKind, checkAppFile, readAppFile } from './app-file.js';

/** The local file a config value names, or null for a remote URL (http:, https:). */
export function configNamedLocalFile(value: string): string | null {
  if (/^file:/i.test(value)) {
    try {
      return fileURLToPath(value);
    } catch {
      return value;
    }
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? null : value;
}

function missing(file: string, key: string): PybpError {
  return new PybpError({
    code: 'config-invalid',
    title: `The file ${key} names does not exist`,
    message: `${key} names ${file}, which does not exist.`,
    fix: `Fix ${key} in the pybp config (a relative path is relative to the config file), or remove it.`,
  });
}

/** Checks (stat only) a config-named local file: app-file-not-regular, app-file-too-large, or config-invalid when absent. */
export async function checkConfigNamedFile(value: string, kind: AppFileKind, key: string): Promise<void> {
  const file = configNamedLocalFile(value);
  if (file === null) return;
  if (!(await checkAppFile(file, kind))) throw missing(file, key);
}

/**
 * pybp's own copy of a config-named local file, read bounded, in a fresh
 * scratch directory (the caller removes `dir`); a remote URL is returned as it is.
 */
export async function stageConfigNamedFile(value: string, kind: AppFileKind, key: string): Promise<{ value: string; dir: string | null }> {
  const file = configNamedLocalFile(value);
  if (file === null) return { value, dir: null };
  const data = await readAppFile(file, kind);
  if (data === undefined) throw missing(file, key);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pybp-config-file-'));
  const copy = path.join(dir, path.basename(file) || 'file');
  await fs.writeFile(copy, data, { mode: 0o600, flag: 'wx' });
  return { value: copy, dir };
}
