// pybp's own files live in `<layers>/.pybp/`: the lock, the journal of the
// running build, the layers it set aside, and the sidecar with what pybp knows
// beyond the buildpack's metadata. Lifecycle ignores it (it has no toml).
import path from 'node:path';

export const CONTROL_DIR_NAME = '.pybp';

export function controlDir(layersDir: string): string {
  return path.join(layersDir, CONTROL_DIR_NAME);
}
export function journalPath(layersDir: string): string {
  return path.join(controlDir(layersDir), 'journal.json');
}
export function backupDir(layersDir: string): string {
  return path.join(controlDir(layersDir), 'backup');
}
export function lockPath(layersDir: string): string {
  return path.join(controlDir(layersDir), 'lock');
}
export function sidecarPath(layersDir: string): string {
  return path.join(controlDir(layersDir), 'state.json');
}

/** Names the buildpack could write. Only these count as layers of a previous build. */
export function isLayerName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]*$/.test(name) && !name.startsWith('.');
}
export function historyPath(layersDir: string): string {
  return path.join(controlDir(layersDir), 'history.json');
}
