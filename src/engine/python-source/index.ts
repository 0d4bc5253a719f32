// Where the python layer's interpreter comes from, and how it gets into the
// layer directory. Whether the layer is reused or rebuilt is decided elsewhere;
// this module only fills an empty directory.

import { rm } from 'node:fs/promises';
import { stageConfigNamedFile } from '../io/config-named-file.js';
import type { PythonSourceChoice } from './choose.js';
import { installPythonArchive } from './install-download.js';
import { installLocalInterpreter } from './install-local.js';
import { installUvPython, uvPythonDirs, uvPythonPlatform, type UvDownloadSettings, type UvRunner } from './uv-python.js';
import { parseResolvedVersion } from './version.js';

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
export { uvPythonAvailability, uvPythonDirs, type UvDownloadSettings } from './uv-python.js';

export interface InstallPythonLayerOptions {
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
  /** Where the requested version came from: '.python-version' or 'buildpack default'. */
  origin: string;
  /** pybp's read-only copies of local interpreters (see pristine.ts); default under $XDG_CACHE_HOME/pybp. */
  interpreterCache?: string | null;
  /** For the uv source: how to get pybp's pinned uv and run it, where downloads come from, and the host env. */
  uv?: { binary: () => Promise<string>; run: UvRunner; settings: UvDownloadSettings; hostEnv: NodeJS.ProcessEnv };
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
  if (choice.kind === 'uv') return installFromUv(choice, layerDir, opts);
  if (!choice.url) throw new Error('A heroku Python source choice needs a URL');
  return installPythonArchive(
    { url: choice.url, resolvedVersion: choice.resolvedVersion, requestedPinned: choice.requestedPinned },
    layerDir,
    opts,
  );
}

/** `uv python install X.Y.Z` into pybp's directory, then that interpreter is placed like a local one. */
async function installFromUv(choice: PythonSourceChoice, layerDir: string, opts: InstallPythonLayerOptions): Promise<InstallPythonLayerResult> {
  const uv = opts.uv;
  const platform = uvPythonPlatform();
  if (!uv || !platform) throw new Error('A uv Python source choice needs a uv runner on a platform uv serves');
  const dirs = uvPythonDirs(uv.hostEnv);
  const version = choice.resolvedVersion;
  // uv is given pybp's bounded copy of a download list file, never the path the config names.
  const list = uv.settings.downloadsJsonUrl;
  const staged = list === undefined ? null : await stageConfigNamedFile(list, 'downloads-list', 'python.uvDownloadsJsonUrl');
  let prefix: string;
  try {
    const binary = await uv.binary();
    opts.onProgress?.(`Installing Python ${version} with ${binary} into ${dirs.installDir}`);
    const settings = staged === null ? uv.settings : { ...uv.settings, downloadsJsonUrl: staged.value };
    prefix = await installUvPython({ uv: binary, version, dirs, settings, hostEnv: uv.hostEnv, platform, run: uv.run });
  } finally {
    if (staged?.dir) await rm(staged.dir, { recursive: true, force: true });
  }
  const v = parseResolvedVersion(version);
  const interpreter = { version, prefix, executable: `${prefix}/bin/python${v.major}.${v.minor}`, origin: 'uv' as const };
  const { sizeBytes, method } = await installLocalInterpreter(interpreter, layerDir, {
    signal: opts.signal,
    onProgress: opts.onProgress,
    interpreterCache: opts.interpreterCache,
  });
  return { sizeBytes, method };
}
