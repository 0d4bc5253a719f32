// What changes in a venv's installed packages: for a kept venv, what the
// package manager plans (explain); for any venv, what a build really did (the
// installed set before and after it). Names are PEP 503-normalised.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { eq, valid } from '@renovatebot/pep440';
import { readAppText } from '../io/app-file.js';

export interface PackageChanges {
  add: Array<{ name: string; version: string }>;
  remove: Array<{ name: string; version: string }>;
  change: Array<{ name: string; from: string; to: string }>;
}

export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Pairs removals and installs of the same package into changes (uv prints an upgrade as `- a==1` then `+ a==2`). */
export function pairChanges(added: Array<{ name: string; version: string }>, removed: Array<{ name: string; version: string }>): PackageChanges {
  const removedByName = new Map(removed.map((r) => [normalizePackageName(r.name), r]));
  const result: PackageChanges = { add: [], remove: [], change: [] };
  for (const a of added) {
    const key = normalizePackageName(a.name);
    const r = removedByName.get(key);
    if (r) {
      removedByName.delete(key);
      if (r.version !== a.version) result.change.push({ name: a.name, from: r.version, to: a.version });
    } else {
      result.add.push(a);
    }
  }
  result.remove.push(...removedByName.values());
  const byName = <T extends { name: string }>(x: T, y: T) => x.name.localeCompare(y.name);
  result.add.sort(byName);
  result.remove.sort(byName);
  result.change.sort(byName);
  return result;
}

export function diffInstalled(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): PackageChanges {
  const added: Array<{ name: string; version: string }> = [];
  const removed: Array<{ name: string; version: string }> = [];
  for (const [name, version] of after) if (before.get(name) !== version) added.push({ name, version });
  for (const [name, version] of before) if (after.get(name) !== version) removed.push({ name, version });
  return pairChanges(added, removed);
}

/**
 * What a sync will change in a kept venv: what it installs (`target`, from
 * the lock) against what the venv holds (its dist-info). A version the lock
 * and METADATA write differently but PEP 440 calls equal (`1.0` and `1.0.0`)
 * is no change: the tool does not reinstall it. Installed packages the tool
 * keeps without a lock entry (`kept`) stay. Names are normalised, as in the
 * build's own report (diffInstalled).
 */
export function forecastChanges(
  installed: ReadonlyMap<string, { version: string }>,
  target: { packages: ReadonlyMap<string, { version: string }>; kept: ReadonlySet<string> },
): PackageChanges {
  const added: Array<{ name: string; version: string }> = [];
  const removed: Array<{ name: string; version: string }> = [];
  for (const [name, want] of target.packages) {
    const have = installed.get(name);
    if (have && sameVersion(have.version, want.version)) continue;
    added.push({ name, version: want.version });
    if (have) removed.push({ name, version: have.version });
  }
  for (const [name, have] of installed) {
    if (!target.packages.has(name) && !target.kept.has(name)) removed.push({ name, version: have.version });
  }
  return pairChanges(added, removed);
}

function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  return valid(a) !== null && valid(b) !== null && eq(a, b);
}

export function hasChanges(c: PackageChanges): boolean {
  return c.add.length + c.remove.length + c.change.length > 0;
}

export interface InstalledPackage {
  /** As METADATA's `Name` says (else the dist-info directory's). */
  name: string;
  version: string;
  /** direct_url.json says `dir_info.editable` (PEP 660: an editable install, the app's own project). */
  editable: boolean;
}

/**
 * The installed distributions of a venv, read as data from its
 * `site-packages/*.dist-info`: METADATA's `Name` and `Version` headers
 * (the directory's `<name>-<version>` when METADATA can't be read), and
 * direct_url.json for an editable install. Keyed by normalised name; empty
 * when there is no venv. Nothing of the venv is run.
 */
export async function readInstalled(venvDir: string): Promise<Map<string, InstalledPackage>> {
  const found = new Map<string, InstalledPackage>();
  let libs: string[];
  try {
    libs = (await fs.readdir(path.join(venvDir, 'lib'))).filter((d) => d.startsWith('python'));
  } catch {
    return found;
  }
  for (const lib of libs.sort()) {
    const site = path.join(venvDir, 'lib', lib, 'site-packages');
    let entries: string[];
    try {
      entries = await fs.readdir(site);
    } catch {
      continue;
    }
    const infos = entries.filter((e) => e.endsWith('.dist-info')).sort();
    const read = await Promise.all(infos.map((entry) => readDistInfo(path.join(site, entry), entry)));
    for (const pkg of read) if (pkg) found.set(normalizePackageName(pkg.name), pkg);
  }
  return found;
}

async function readDistInfo(dir: string, entry: string): Promise<InstalledPackage | null> {
  const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
  const [metadata, directUrl] = await Promise.all([readOptional(path.join(dir, 'METADATA')), readOptional(path.join(dir, 'direct_url.json'))]);
  const headers = metadata === null ? null : metadataHeaders(metadata);
  const name = headers?.name ?? m?.[1];
  const version = headers?.version ?? m?.[2];
  if (!name || !version) return null;
  return { name, version, editable: directUrl !== null && isEditable(directUrl) };
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return (await readAppText(file, 'dist-info')) ?? null;
  } catch {
    return null;
  }
}

/** The `Name` and `Version` of a core metadata file (RFC 822 headers up to the first blank line). */
export function metadataHeaders(text: string): { name: string | null; version: string | null } {
  let name: string | null = null;
  let version: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    const h = /^(Name|Version):\s*(.*?)\s*$/i.exec(line);
    if (!h) continue;
    if (h[1].toLowerCase() === 'name') name ??= h[2] || null;
    else version ??= h[2] || null;
  }
  return { name, version };
}

function isEditable(json: string): boolean {
  try {
    const doc = JSON.parse(json) as { dir_info?: { editable?: unknown } };
    return doc?.dir_info?.editable === true;
  } catch {
    return false;
  }
}

/** Normalised name → version of what a venv holds: what a build compares before and after. */
export async function installedPackages(venvDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [key, pkg] of await readInstalled(venvDir)) out.set(key, pkg.version);
  return out;
}

/** "+5 packages (requests 2.32.3, …), −1 (old 1.0), ~1 (markupsafe 3.0.3 → 3.0.2)"; "no package changes" when empty. */
export function summarizeChanges(c: PackageChanges, max = 3): string {
  const list = (items: string[]) => items.slice(0, max).join(', ') + (items.length > max ? ', …' : '');
  const plural = (n: number) => (n === 1 ? 'package' : 'packages');
  const parts: string[] = [];
  if (c.add.length > 0) parts.push(`+${c.add.length} ${plural(c.add.length)} (${list(c.add.map((p) => `${p.name} ${p.version}`))})`);
  if (c.remove.length > 0) parts.push(`−${c.remove.length} ${plural(c.remove.length)} (${list(c.remove.map((p) => `${p.name} ${p.version}`))})`);
  if (c.change.length > 0) parts.push(`~${c.change.length} ${plural(c.change.length)} (${list(c.change.map((p) => `${p.name} ${p.from} → ${p.to}`))})`);
  return parts.length > 0 ? parts.join(', ') : 'no package changes';
}
