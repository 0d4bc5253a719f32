// Builds valid pure-Python wheels in-process (PEP 427 / the binary distribution
// format spec), so tests can publish packages to a loopback index in
// milliseconds, without setuptools, a build backend or the network.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeZip, type ZipEntry } from './zip.js';

export interface WheelSpec {
  /** Project name as a user writes it (`Tiny-Web` is fine); normalised where the formats require. */
  name: string;
  /** A PEP 440 version, already in normal form (`1.0.0`, `5.0`, `2.0rc1`). */
  version: string;
  /** Files to ship, relative to site-packages. Default: `<import_name>/__init__.py` with `__version__`. */
  files?: Record<string, string>;
  /** PEP 508 requirement strings, written as `Requires-Dist`. */
  requires?: string[];
  /** console_scripts: command name -> `module:function`. */
  scripts?: Record<string, string>;
  /** Written as `Requires-Python` (and served as `data-requires-python` by the index). */
  requiresPython?: string;
}

/** PEP 503 normalised project name: the key of `/simple/<name>/`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The distribution part of a wheel filename and of `.dist-info` (PEP 427 as amended). */
export function wheelDistributionName(name: string): string {
  return normalizeProjectName(name).replace(/-/g, '_');
}

/** The module a project would ship by default: `Tiny-Web` -> `tiny_web`. */
export function importName(name: string): string {
  return wheelDistributionName(name);
}

export function wheelFilename(name: string, version: string): string {
  return `${wheelDistributionName(name)}-${version}-py3-none-any.whl`;
}

/** Writes `<dir>/<name>-<version>-py3-none-any.whl` and returns its path. */
export async function buildWheel(dir: string, spec: WheelSpec): Promise<string> {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(spec.name)) {
    throw new Error(`buildWheel: ${JSON.stringify(spec.name)} is not a valid project name`);
  }
  if (!/^[0-9][0-9A-Za-z.+!]*$/.test(spec.version)) {
    throw new Error(`buildWheel: ${JSON.stringify(spec.version)} is not a normalised version`);
  }
  const distInfo = `${wheelDistributionName(spec.name)}-${spec.version}.dist-info`;
  const files = spec.files ?? {
    [`${importName(spec.name)}/__init__.py`]: `__version__ = ${JSON.stringify(spec.version)}\n`,
  };

  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: pybp test wheel ${spec.name} ${spec.version}`,
    ...(spec.requiresPython ? [`Requires-Python: ${spec.requiresPython}`] : []),
    ...(spec.requires ?? []).map((r) => `Requires-Dist: ${r}`),
    '',
  ].join('\n');
  const wheel = ['Wheel-Version: 1.0', 'Generator: pybp-tests', 'Root-Is-Purelib: true', 'Tag: py3-none-any', ''].join('\n');

  const entries: ZipEntry[] = Object.entries(files).map(([path, text]) => ({ name: path, data: Buffer.from(text) }));
  entries.push({ name: `${distInfo}/METADATA`, data: Buffer.from(metadata) });
  entries.push({ name: `${distInfo}/WHEEL`, data: Buffer.from(wheel) });
  const scripts = Object.entries(spec.scripts ?? {});
  if (scripts.length > 0) {
    const text = ['[console_scripts]', ...scripts.map(([cmd, target]) => `${cmd} = ${target}`), ''].join('\n');
    entries.push({ name: `${distInfo}/entry_points.txt`, data: Buffer.from(text) });
  }
  const record = entries.map((e) => `${csvField(e.name)},sha256=${urlsafeSha256(e.data)},${e.data.length}`);
  record.push(`${distInfo}/RECORD,,`, '');
  // RECORD goes last, as the spec recommends (installers may stream the archive).
  entries.push({ name: `${distInfo}/RECORD`, data: Buffer.from(record.join('\n')) });

  await mkdir(dir, { recursive: true });
  const path = join(dir, wheelFilename(spec.name, spec.version));
  await writeFile(path, writeZip(entries));
  return path;
}

function urlsafeSha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64url');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Builds a (pure) wheel of `spec` and puts it into `dir` under the filename of
 * `tags` (`cp312-cp312-macosx_11_0_arm64`): to an index serving `dir`, a
 * release with a wheel for that platform only. Returns its path.
 */
export async function publishWheel(dir: string, spec: WheelSpec, tags: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'pybp-wheel-'));
  try {
    const built = await buildWheel(scratch, spec);
    const out = join(dir, `${wheelDistributionName(spec.name)}-${spec.version}-${tags}.whl`);
    await mkdir(dir, { recursive: true });
    await copyFile(built, out);
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes `<dir>/<name>-<version>.tar.gz`, a setuptools source distribution
 * whose setup.py is `setupPy` (default: a plain `setup()`), and returns its
 * path. A test that must prove nothing built it gives a setup.py that leaves a
 * marker file.
 */
export async function buildSdist(dir: string, spec: { name: string; version: string; setupPy?: string }): Promise<string> {
  const base = `${wheelDistributionName(spec.name)}-${spec.version}`;
  const scratch = await mkdtemp(join(tmpdir(), 'pybp-sdist-'));
  try {
    const root = join(scratch, base);
    await mkdir(root);
    await writeFile(join(root, 'PKG-INFO'), `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n`);
    await writeFile(join(root, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
    await writeFile(join(root, 'setup.py'), spec.setupPy ?? `from setuptools import setup\nsetup(name=${JSON.stringify(spec.name)}, version=${JSON.stringify(spec.version)})\n`);
    await mkdir(dir, { recursive: true });
    const out = join(dir, `${base}.tar.gz`);
    const packed = spawnSync('tar', ['-czf', out, '-C', scratch, base], { encoding: 'utf8' });
    if (packed.error) throw packed.error;
    if (packed.status !== 0) throw new Error(`tar failed (${packed.status}): ${packed.stderr}`);
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
