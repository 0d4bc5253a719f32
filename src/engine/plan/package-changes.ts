// What changes in a venv's installed packages: for a kept venv, what the
// package manager plans (explain); for any venv, what a build really did (the
// installed set before and after it). Names are PEP 503-normalised.
import { promises as fs } from 'node:fs';
import path from 'node:path';

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

export function hasChanges(c: PackageChanges): boolean {
  return c.add.length + c.remove.length + c.change.length > 0;
}

/**
 * The installed distributions of a venv, from its `*.dist-info` directories
 * (`<name>-<version>.dist-info`; a version has no `-`). Empty when there is no venv.
 */
export async function installedPackages(venvDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let libs: string[];
  try {
    libs = (await fs.readdir(path.join(venvDir, 'lib'))).filter((d) => d.startsWith('python'));
  } catch {
    return found;
  }
  for (const lib of libs) {
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(venvDir, 'lib', lib, 'site-packages'));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
      if (m) found.set(normalizePackageName(m[1]), m[2]);
    }
  }
  return found;
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
