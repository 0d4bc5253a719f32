// Python version strings as interpreters report them: "3.12.1", and for
// pre-releases or development builds "3.13.0rc1" or "3.12.1+".

export interface MinorVersion {
  major: number;
  minor: number;
}

export interface PythonVersionParts extends MinorVersion {
  patch: number;
  /** Whatever follows the patch number ("rc1", "+"); empty for a final release. */
  suffix: string;
}

export function parsePythonVersion(text: string): PythonVersionParts | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)([A-Za-z0-9.+]*)$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), suffix: m[4] };
}

/** Parses a resolved `X.Y.Z`; anything else is a bug in the caller. */
export function parseResolvedVersion(text: string): PythonVersionParts {
  const parts = parsePythonVersion(text);
  if (!parts || parts.suffix !== '') throw new Error(`Not a resolved Python version (X.Y.Z): ${JSON.stringify(text)}`);
  return parts;
}

/** Newer first: higher patch, then a final release before a pre-release or dev build of the same patch. */
export function compareNewestFirst(a: PythonVersionParts, b: PythonVersionParts): number {
  if (a.major !== b.major) return b.major - a.major;
  if (a.minor !== b.minor) return b.minor - a.minor;
  if (a.patch !== b.patch) return b.patch - a.patch;
  if (a.suffix === b.suffix) return 0;
  if (a.suffix === '') return -1;
  if (b.suffix === '') return 1;
  return a.suffix < b.suffix ? 1 : -1;
}

export function minorName(v: MinorVersion): string {
  return `${v.major}.${v.minor}`;
}

/** The PY_VERSION string from the text of CPython's `patchlevel.h`. */
export function versionFromPatchlevel(headerText: string): string | undefined {
  const m = /^#define\s+PY_VERSION\s+"([^"]+)"/m.exec(headerText);
  return m ? m[1] : undefined;
}
