// Where the python layer's interpreter comes from, and how it gets into the
// layer directory. Whether the layer is reused or rebuilt is decided elsewhere;
// this module only fills an empty directory.

import type { PythonSourceChoice } from './choose.js';
import { installPythonArchive } from './install-download.js';
import { installLocalInterpreter } from './install-local.js';

export {
  choosePythonSource,
  describeInterpreter,
  pythonArchiveUrl,
  type ChoosePythonSourceArgs,
  type PythonSourceChoice,
  type PythonSourceKind,
} from './choose.js';
export {
  findLocalInterpreters,
  searchLocalInterpreters,
  type InterpreterOrigin,
  type InterpreterSearch,
  type InterpreterSearchOptions,
  type LocalInterpreter,
} from './discover.js';
export { layerSizeBytes } from './tree.js';

export interface InstallPythonLayerOptions {
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
  /** Where the requested version came from: '.python-version' or 'buildpack default'. */
  origin: string;
  /** pybp's read-only copies of local interpreters (see pristine.ts); default under $XDG_CACHE_HOME/pybp. */
  interpreterCache?: string | null;
}

export interface InstallPythonLayerResult {
  /** Disk use of the layer, each hard-linked inode counted once. */
  sizeBytes: number;
  method: 'hardlink' | 'reflink' | 'copy' | 'download';
}

/** Fills the empty `layerDir` with the chosen interpreter. On failure the directory is left empty again. */
export async function installPythonLayer(
  choice: PythonSourceChoice,
  layerDir: string,
  opts: InstallPythonLayerOptions,
): Promise<InstallPythonLayerResult> {
  if (choice.kind === 'local') {
    if (!choice.interpreter) throw new Error('A local Python source choice needs an interpreter');
    const { sizeBytes, method } = await installLocalInterpreter(choice.interpreter, layerDir, {
      signal: opts.signal,
      onProgress: opts.onProgress,
      interpreterCache: opts.interpreterCache,
    });
    return { sizeBytes, method };
  }
  if (!choice.url) throw new Error('A heroku Python source choice needs a URL');
  return installPythonArchive(
    { url: choice.url, resolvedVersion: choice.resolvedVersion, requestedPinned: choice.requestedPinned },
    layerDir,
    opts,
  );
}
