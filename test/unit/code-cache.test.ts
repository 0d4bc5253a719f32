// The bin's V8 code cache (src/code-cache.ts): used only for the exact bundle
// text it was made from, written whole, and never trusted when it is stale,
// torn, corrupt or not a regular file; the bundle runs the same either way.
import { createHash, createHmac } from 'node:crypto';
import vm from 'node:vm';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheFile, codeCacheKey, GENERATIONS, readCodeCache, requireWithCodeCache, type CodeCacheSpec } from '../../src/code-cache.js';

interface Bundle {
  value: number;
  sep: () => Promise<string>;
}

let dir: string;
let bundle: string;
let cacheDir: string;
/** The key file (pybp's state dir in real use). */
let keyFile: string;
/** The cache file of the bundle's current text. */
let cache: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pybp-code-cache-'));
  // Distinct file names per test: Node's require cache must never answer for the file.
  bundle = join(dir, `bundle-${Math.random().toString(36).slice(2)}.cjs`);
  cacheDir = join(dir, 'cache');
  keyFile = join(dir, 'state', 'code-cache.key');
  await writeBundle(42);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in for pybp.cjs: strict, requires a built-in module, later (as cosmiconfig is) too. */
function bundleText(value: number): string {
  return [
    '"use strict";',
    "const path = require('node:path');",
    `exports.value = ${value};`,
    "exports.sep = () => Promise.resolve().then(() => require('node:path')).then((p) => p.sep + path.sep);",
    'function big() { return [1, 2, 3].map((x) => x * 2).join(","); }',
    'exports.big = big();',
  ].join('\n');
}

async function writeBundle(value: number): Promise<void> {
  const text = bundleText(value);
  await writeFile(bundle, text);
  cache = codeCacheFile(cacheDir, bundle, sha1(text));
}

/** Loads the bundle; returns its exports and the cache writer it asked to run at exit, if any. */
function load(dirForCache: string | null = cacheDir): { exports: Bundle; save: (() => void) | null } {
  let save: (() => void) | null = null;
  const spec: CodeCacheSpec | null = dirForCache === null ? null : { dir: dirForCache, keyFile };
  const exports = requireWithCodeCache(bundle, spec, (fn) => {
    expect(save).toBeNull();
    save = fn;
  }) as Bundle;
  return { exports, save };
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest();

describe('requireWithCodeCache', () => {
  it('runs the bundle without a cache, then writes one that the next load uses', async () => {
    const first = load();
    expect(first.exports.value).toBe(42);
    expect(await first.exports.sep()).toBe('//');
    expect(first.save).not.toBeNull();
    first.save!();
    const file = await readFile(cache);
    const key = await readFile(keyFile);
    expect(key.length).toBe(32);
    const hash = sha1(await readFile(bundle, 'utf8'));
    expect(file.subarray(0, 20).equals(hash)).toBe(true);
    expect(file.subarray(20, 52).equals(createHmac('sha256', key).update(hash).update(file.subarray(52)).digest())).toBe(true);
    expect(readCodeCache(cache, hash, key)).toMatchObject({ generation: 1, data: expect.any(Buffer) });

    // The next runs use it; the first GENERATIONS of them write it again (what they compiled on top), later ones only read it.
    for (let generation = 2; generation <= GENERATIONS; generation++) {
      const again = load();
      expect(again.exports.value).toBe(42);
      expect(await again.exports.sep()).toBe('//');
      expect(again.save).not.toBeNull();
      again.save!();
      expect(readCodeCache(cache, hash, key)?.generation).toBe(generation);
    }
    const later = load();
    expect(later.exports.value).toBe(42);
    expect(await later.exports.sep()).toBe('//');
    expect(later.save).toBeNull();
  });

  it('keeps one cache per command, and none of them is the plain name\'s', async () => {
    const spec = (variant?: string): CodeCacheSpec => ({ dir: cacheDir, keyFile, variant });
    const hash = sha1(await readFile(bundle));
    for (const variant of ['build', 'explain', undefined]) {
      const r = requireWithCodeCache(bundle, spec(variant), (save) => save()) as Bundle;
      expect(r.value).toBe(42);
    }
    const key = await readFile(keyFile);
    for (const variant of ['build', 'explain', undefined]) expect(readCodeCache(codeCacheFile(cacheDir, bundle, hash, variant), hash, key)?.generation).toBe(1);
    expect(codeCacheFile(cacheDir, bundle, hash, 'build')).not.toBe(codeCacheFile(cacheDir, bundle, hash));
    // Only a plain word names a file: anything else is the plain name.
    expect(codeCacheFile(cacheDir, bundle, hash, '../x')).toBe(codeCacheFile(cacheDir, bundle, hash));
    expect((await readdir(cacheDir)).length).toBe(3);
  });

  it('ignores the cache of another bundle text (same length) and runs the new text', async () => {
    load().save!();
    const oldCache = await readFile(cache);
    await writeBundle(43);
    // Even under the new text's name, the old text's cache is refused (its header names the old text).
    await mkdir(cacheDir, { recursive: true });
    await writeFile(cache, oldCache);
    const next = load();
    expect(next.exports.value).toBe(43);
    expect(next.save).not.toBeNull();
    next.save!();
    expect(load().exports.value).toBe(43);
  });

  it('ignores a corrupt or torn cache and replaces it whole', async () => {
    load().save!();
    const good = await readFile(cache);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 10] ^= 0xff;
    await writeFile(cache, corrupt);
    const afterCorrupt = load();
    expect(afterCorrupt.exports.value).toBe(42);
    expect(afterCorrupt.save).not.toBeNull();

    await writeFile(cache, good.subarray(0, good.length - 100));
    const afterTorn = load();
    expect(afterTorn.exports.value).toBe(42);
    expect(afterTorn.save).not.toBeNull();
    afterTorn.save!();
    expect(readCodeCache(cache, sha1(await readFile(bundle, 'utf8')), await readFile(keyFile))?.data).toBeInstanceOf(Buffer);
    // The new cache fits: the next run writes its second generation.
    load().save!();
    expect(readCodeCache(cache, sha1(await readFile(bundle)), await readFile(keyFile))?.generation).toBe(2);
  });

  it('ignores a cache path that is a symlink, a directory or an empty file', async () => {
    load().save!();
    const real = join(dir, 'real.bin');
    await writeFile(real, await readFile(cache));
    await rm(cache);
    await symlink(real, cache);
    expect(load().save).not.toBeNull();
    await rm(cache);
    await mkdir(cache);
    const underDir = load();
    expect(underDir.exports.value).toBe(42);
    // Writing over a directory fails quietly: the cache is optional.
    underDir.save!();
    await rm(cache, { recursive: true });
    await writeFile(cache, '');
    expect(load().save).not.toBeNull();
  });

  it('runs the bundle when the cache directory cannot be made', async () => {
    await writeFile(join(dir, 'not-a-dir'), '');
    const blockedDir = join(dir, 'not-a-dir', 'cache');
    const r = requireWithCodeCache(bundle, { dir: blockedDir, keyFile }, (save) => save()) as Bundle;
    expect(r.value).toBe(42);
    const hash = sha1(await readFile(bundle, 'utf8'));
    expect(readCodeCache(codeCacheFile(blockedDir, bundle, hash), hash, await readFile(keyFile))).toBeUndefined();
  });

  it('keeps the newest 8 caches of the bundle name and touches no other file', async () => {
    await mkdir(cacheDir, { recursive: true });
    const name = bundle.split('/').pop()!;
    const old = Array.from({ length: 10 }, (_, i) => `${name}-${String(i).padStart(16, '0')}-${process.version}-${process.arch}.bin`);
    for (const [i, file] of old.entries()) {
      await writeFile(join(cacheDir, file), 'old');
      const t = new Date(Date.now() - (100 - i) * 60_000);
      await utimes(join(cacheDir, file), t, t);
    }
    await writeFile(join(cacheDir, 'someone-else.bin'), 'x');
    load().save!();
    const left = (await readdir(cacheDir)).sort();
    expect(left).toEqual([...old.slice(3), cache.split('/').pop()!, 'someone-else.bin'].sort());
  });

  it("never runs a planted cache: compiled from another text of the same length, with the old header or another key's HMAC", async () => {
    // V8 checks only the source's length and its flags: without the HMAC this cache would run value 99.
    const planted = bundleText(99);
    expect(planted.length).toBe(bundleText(42).length);
    const wrapped = `(function (exports, require, module, __filename, __dirname) { ${planted}\n})`;
    const data = new vm.Script(wrapped, { filename: bundle }).createCachedData();
    const hash = sha1(await readFile(bundle, 'utf8'));
    await mkdir(cacheDir, { recursive: true });
    for (const header of [sha1(data), createHmac('sha256', Buffer.alloc(32, 7)).update(hash).update(data).digest()]) {
      await writeFile(cache, Buffer.concat([hash, header, data]));
      const r = load();
      expect(r.exports.value).toBe(42);
      expect(r.save).not.toBeNull();
    }
  });

  it('uses no cache when the key is not a 0600 regular file of 32 bytes', async () => {
    load().save!();
    load().save!();
    expect(readCodeCache(cache, sha1(await readFile(bundle)), await readFile(keyFile))?.generation).toBe(2);
    const { chmod } = await import('node:fs/promises');
    await chmod(keyFile, 0o644);
    expect(codeCacheKey(keyFile)).toBeNull();
    const r = load();
    expect(r.exports.value).toBe(42);
    // A plain require: nothing to save, the cache file is left alone.
    expect(r.save).toBeNull();
    await rm(keyFile);
    await symlink(join(dir, 'elsewhere'), keyFile);
    expect(codeCacheKey(keyFile)).toBeNull();
  });

  it('with no cache file, is a plain require', async () => {
    const { exports, save } = load(null);
    expect(exports.value).toBe(42);
    expect(await exports.sep()).toBe('//');
    expect(save).toBeNull();
  });
});
