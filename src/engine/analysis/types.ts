// Types produced by the project analysis (spec §2–§5). Pure data: the layer
// planner, `explain`, `doctor` and `build` all read these.

export type PackageManager = 'pip' | 'poetry' | 'uv';

export const PACKAGE_MANAGERS: readonly PackageManager[] = ['pip', 'poetry', 'uv'];

export const PACKAGE_MANAGER_INFO: Readonly<Record<PackageManager, { displayName: string; marker: string }>> = {
  pip: { displayName: 'pip', marker: 'requirements.txt' },
  poetry: { displayName: 'Poetry', marker: 'poetry.lock' },
  uv: { displayName: 'uv', marker: 'uv.lock' },
};

/** A requested version as parsed from `.python-version` (or the default). */
export interface RequestedPython {
  major: number;
  minor: number;
  /** Present when the patch is pinned (`3.12.3`). */
  patch?: number;
}

export type PythonVersionOrigin = '.python-version' | 'buildpack default';

export interface ResolvedPython {
  requested: RequestedPython;
  /** `X.Y` or `X.Y.Z`, re-formatted from the parsed integers. */
  requestedText: string;
  /** Full `X.Y.Z`. */
  resolved: string;
  origin: PythonVersionOrigin;
  /** True when the patch came from the file (no alias resolution). */
  patchPinned: boolean;
}

export interface Warning {
  code:
    | 'python-3.10-deprecated'
    | 'python-patch-substituted'
    | 'uv-python-override'
    | 'python-source-fallback'
    // pyproject.toml's Python range excludes the version the build installs (uv/Poetry stop mid-build)
    | 'requires-python-excludes'
    | 'paths-host-fallback'
    // pybp's own state (not the buildpack's)
    | 'journal-unreadable'
    | 'history-unreadable'
    | 'history-unwritable'
    // a buildpack.config.js or similar in the app, never loaded (config.ts)
    | 'config-code-ignored'
    // the shared build cache (engine/cache/): never a failed build
    | 'cache-restore-failed'
    | 'cache-layer-refused'
    | 'cache-save-failed';
  title: string;
  message: string;
  /** What lies under it, as a stable code of its own (the shared cache's: `registry-rate-limited` ...). */
  cause?: string;
  /** What to do about it. */
  fix?: string;
}

export interface Notice {
  /** Informational lines the buildpack prints (default version notice...). */
  code: 'python-default-version' | 'python-version-from-file';
  message: string;
}

export interface ProjectAnalysis {
  appDir: string;
  packageManager: PackageManager;
  python: ResolvedPython;
  warnings: Warning[];
  notices: Notice[];
}
