// The error a failed build reports, named after its real cause. When the
// layers directory disappears under a running build (`rm -rf .pybp`, a
// cleanup script), what fails first is whatever touched it next: pip can't
// import from the python layer, a journal rename hits ENOENT. Those symptoms
// would read as "pip could not be installed" or an internal error; the cause
// is the missing directory, so it is checked first.
import { lstatSync } from 'node:fs';
import { type ErrorData, toErrorData } from '../core/errors.js';

/** Which directory the layers directory was when the build made sure of it. */
export interface LayersDirIdentity {
  dir: string;
  dev: number;
  ino: number;
  /** File systems reuse a freed inode number at once; the birth time tells a new directory from the old one. */
  birthtimeMs: number;
}

export function layersDirIdentity(dir: string): LayersDirIdentity {
  const st = lstatSync(dir);
  return { dir, dev: st.dev, ino: st.ino, birthtimeMs: st.birthtimeMs };
}

/**
 * The ErrorData for what stopped a build; `layers` is null when the build failed before it had a
 * layers directory. A directory of the same name that is not the same directory (made again by
 * whatever ran next) counts as removed.
 */
export function failureCause(err: unknown, layers: LayersDirIdentity | null): ErrorData {
  const error = toErrorData(err);
  if (error.code === 'interrupted' || layers === null) return error;
  if (isSameDirectory(layers)) return error;
  const layersDir = layers.dir;
  const data: ErrorData = {
    code: 'layers-dir-removed',
    title: 'The layers directory was removed during the build',
    message: `${layersDir} disappeared while the build was running (deleted or moved by something other than this build), so the build stopped.`,
    fix: 'Build again: pybp makes the layers from nothing. If a script or tool cleans that directory, keep it from doing so while pybp builds.',
    details: [`What failed next (${error.code}): ${error.message}`],
  };
  if (error.output) data.output = error.output;
  return data;
}

function isSameDirectory(layers: LayersDirIdentity): boolean {
  try {
    const st = lstatSync(layers.dir);
    return st.isDirectory() && st.dev === layers.dev && st.ino === layers.ino && st.birthtimeMs === layers.birthtimeMs;
  } catch {
    return false;
  }
}
