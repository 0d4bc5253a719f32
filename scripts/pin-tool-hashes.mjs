#!/usr/bin/env node
// Writes src/engine/tools/pinned-hashes.ts: the hashes pybp checks its pinned
// uv and Poetry against before they run (pip's --require-hashes for the wheels,
// and the sha256 of the uv binary itself). Run by hand when UV_VERSION or
// POETRY_VERSION changes (`node scripts/pin-tool-hashes.mjs /path/to/uv`); needs PyPI.
//
// - Poetry's dependency set is resolved once for every Python pybp supports
//   and every OS, with the given uv: `uv pip compile --universal
//   --python-version 3.10` (pins and their environment markers).
// - Each pin's files and sha256 come from PyPI's JSON API; only files that can
//   be installed on Linux or macOS, x86_64 or arm64, are kept (plus the sdist).
// - The uv binary's sha256 is read from each of uv's Linux and macOS wheels
//   (`uv-<v>.data/scripts/uv`), downloaded and checked against PyPI's digest.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const versions = readFileSync(join(root, 'src/engine/core/versions.ts'), 'utf8');
const UV = /UV_VERSION = '([^']+)'/.exec(versions)[1];
const POETRY = /POETRY_VERSION = '([^']+)'/.exec(versions)[1];
const uvBin = process.argv[2] ?? 'uv';

/** Wheels for Linux (glibc or musl) and macOS on x86_64 or arm64, pure-Python wheels, and sdists. */
function installableHere(filename) {
  if (!filename.endsWith('.whl')) return /\.(tar\.gz|zip)$/.test(filename);
  const platform = filename.slice(0, -4).split('-').pop();
  return platform.split('.').some((tag) => tag === 'any' || /^(many|musl)linux.*_(x86_64|aarch64)$|^linux_(x86_64|aarch64)$|^macosx_.*_(x86_64|arm64|universal2|intel)$/.test(tag));
}

const normalize = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** One release's files, from PyPI's JSON simple API (PEP 691). */
async function pypiFiles(name, version) {
  const res = await fetch(`https://pypi.org/simple/${normalize(name)}/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
  if (!res.ok) throw new Error(`${name}: PyPI answered ${res.status}`);
  const data = await res.json();
  const ofRelease = (filename) => {
    const parts = filename.endsWith('.whl') ? filename.split('-') : /^(.*)-([^-]+)\.(tar\.gz|zip)$/.exec(filename)?.slice(1, 3);
    return parts !== undefined && normalize(parts[0]) === normalize(name) && parts[1] === version;
  };
  return data.files
    .filter((f) => ofRelease(f.filename) && !f.yanked && installableHere(f.filename))
    .map((f) => ({ filename: f.filename, sha256: f.hashes.sha256, url: f.url }));
}

function requirementBlock(line, files) {
  const hashes = [...new Set(files.map((f) => f.sha256))].sort();
  return [line, ...hashes.map((h) => `    --hash=sha256:${h}`)].join(' \\\n');
}

const scratch = mkdtempSync(join(tmpdir(), 'pybp-pin-'));
try {
  writeFileSync(join(scratch, 'in.txt'), `poetry==${POETRY}\n`);
  const compiled = execFileSync(
    uvBin,
    ['pip', 'compile', join(scratch, 'in.txt'), '--universal', '--python-version', '3.10', '--no-header', '--no-annotate', '--index-url', 'https://pypi.org/simple', '--quiet'],
    { encoding: 'utf8', env: { ...process.env, UV_NO_CONFIG: '1', UV_PYTHON_DOWNLOADS: 'never', UV_CACHE_DIR: join(scratch, 'cache') } },
  );
  const poetryBlocks = [];
  for (const raw of compiled.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9._-]+)==([^\s;]+)(\s*;\s*(.+))?$/.exec(line);
    if (!m) throw new Error(`unexpected line from uv: ${line}`);
    const marker = m[4];
    // Windows and emscripten never run pybp.
    if (marker && /^sys_platform == '(win32|emscripten)'$|^os_name == 'nt'$/.test(marker.trim())) continue;
    const files = await pypiFiles(m[1], m[2]);
    if (files.length === 0) throw new Error(`${m[1]} ${m[2]}: no file for Linux or macOS`);
    poetryBlocks.push(requirementBlock(line, files));
  }

  const uvFiles = await pypiFiles('uv', UV);
  const binaries = [];
  for (const file of uvFiles.filter((f) => f.filename.endsWith('.whl'))) {
    const wheel = Buffer.from(await (await fetch(file.url)).arrayBuffer());
    if (createHash('sha256').update(wheel).digest('hex') !== file.sha256) throw new Error(`${file.filename}: digest mismatch`);
    const path = join(scratch, file.filename);
    writeFileSync(path, wheel);
    const member = `uv-${UV}.data/scripts/uv`;
    const binary = execFileSync('python3', ['-c', 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))', path, member], { maxBuffer: 1 << 30 });
    binaries.push({ platform: file.filename.replace(/^uv-[^-]+-py3-none-/, '').replace(/\.whl$/, ''), sha256: createHash('sha256').update(binary).digest('hex') });
    rmSync(path);
  }

  const out = `// GENERATED by scripts/pin-tool-hashes.mjs from PyPI (uv ${UV}, Poetry ${POETRY}); do not edit.
// The hashes pybp checks its pinned tools against before they run, as pip's
// --require-hashes does: the wheels it installs them from (Linux and macOS,
// x86_64 and arm64, plus sdists), and the uv binary those wheels carry.

/** pip requirements (with --hash lines) for uv ${UV}: installed with --require-hashes. */
export const UV_REQUIREMENTS = ${JSON.stringify(requirementBlock(`uv==${UV}`, uvFiles) + '\n')};

/** sha256 of bin/uv in each of uv ${UV}'s Linux and macOS wheels (the same binary as Astral's archive). */
export const UV_BINARY_SHA256: Readonly<Record<string, string>> = ${JSON.stringify(Object.fromEntries(binaries.map((b) => [b.platform, b.sha256])), null, 2)};

/**
 * pip requirements (with --hash lines) for Poetry ${POETRY} and every dependency, on
 * every Python 3.10+ and OS pybp runs on (environment markers choose): installed with --require-hashes.
 */
export const POETRY_REQUIREMENTS = ${JSON.stringify(poetryBlocks.join('\n') + '\n')};
`;
  writeFileSync(join(root, 'src/engine/tools/pinned-hashes.ts'), out);
  console.log(`wrote src/engine/tools/pinned-hashes.ts: ${poetryBlocks.length} Poetry pins, ${uvFiles.length} uv files, ${binaries.length} uv binaries`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
