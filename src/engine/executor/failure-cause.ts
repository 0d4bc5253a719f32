// The error a failed build reports, named after its real cause. When the
// layers directory disappears under a running build (`rm -rf .pybp`, a
// cleanup script), what fails first is whatever touched it next: pip can't
// import from the python layer, a journal rename hits ENOENT. Those symptoms
// would read as "pip could not be installed" or an internal error; the cause
// is the missing directory, so it is checked first.
import { lstatSync } from 'node:fs';
import { type ErrorData, toErrorData } from '../errors.js';

/** The ErrorData for what stopped a build; `layersDir` is null when the build failed before it had one. */
export function failureCause(err: unknown, layersDir: string | null): ErrorData {
  const error = toErrorData(err);
  if (error.code === 'interrupted' || layersDir === null) return error;
  if (isDirectory(layersDir)) return error;
  const data: ErrorData = {
    code: 'layers-dir-removed',
    title: 'The layers directory was removed during the build',
    message: `${layersDir} disappeared while the build was running (deleted or moved by something other than this build), so the build stopped. What failed next: ${error.title.replace(/\.$/, '')} (${error.code}).`,
    fix: 'Build again: pybp makes the layers from nothing. If a script or tool cleans that directory, keep it from doing so while pybp builds.',
    details: [error.message],
  };
  if (error.output) data.output = error.output;
  return data;
}

function isDirectory(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}
