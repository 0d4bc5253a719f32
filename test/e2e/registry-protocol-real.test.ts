// The upload variants and the cross-repository mount against a real CNCF
// registry (Debian's docker-registry on 127.0.0.1, test/support/registry.ts),
// not only the fake: many small PATCH chunks with Content-Range at the
// Locations distribution gives, a mount (201) from another repository where
// pybp saved the blob, a mount distribution declines (the blob is not in the
// other repository: 202, uploaded in that session), and what was saved reads
// back bit for bit. No build: the image cache is driven directly.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageCache } from '../../src/engine/cache/image-cache.js';
import type { Provenance } from '../../src/engine/cache/metadata.js';
import type { BlobRecord } from '../../src/engine/cache/blob-record.js';
import { makeTempDir } from '../support/apps.js';
import { type LoopbackRegistry, startRegistry } from '../support/registry.js';
import { sha256 } from '../support/fake-registry.js';

const PROVENANCE: Provenance = { version: 1, pybp: 'test', layersDir: '/x/.pybp/layers', python: null, host: { platform: 'linux', arch: 'amd64', distro: 'ubuntu-24.04' }, layers: {} };
const never = new AbortController().signal;

describe('upload variants and mounts against a real registry', () => {
  let root: string;
  let registry: LoopbackRegistry;
  let env: NodeJS.ProcessEnv;
  let layer: { name: string; dir: string; data: Record<string, unknown>; types: { build: boolean; launch: boolean; cache: boolean } };

  beforeAll(async () => {
    root = await makeTempDir('pybp registry-real-');
    registry = await startRegistry(join(root, 'registry'));
    env = { HOME: join(root, 'home'), PATH: process.env.PATH, XDG_STATE_HOME: join(root, 'state') };
    const dir = join(root, 'uv');
    await mkdir(join(dir, 'bin'), { recursive: true });
    // Random bytes: the blob stays about this size after gzip, so the chunks below are many.
    await writeFile(join(dir, 'bin', 'uv'), randomBytes(300_000));
    layer = { name: 'uv', dir, data: { arch: 'amd64', uv_version: '0.11.33' }, types: { build: true, launch: false, cache: true } };
  });
  afterAll(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function readBack(ref: string): Promise<{ digest: string; bytes: Buffer }> {
    const c = imageCache(`${registry.host}/${ref}`, { insecure: [], env });
    const read = await c.readIndex(never);
    if (read.kind !== 'index') throw new Error(`no index: ${JSON.stringify(read)}`);
    const l = read.index.layers[0]!;
    const chunks: Buffer[] = [];
    for await (const chunk of (await c.openLayer(read.index, l, never)).body) chunks.push(chunk as Buffer);
    return { digest: read.index.blobs.get(l.diffId)!.digest, bytes: Buffer.concat(chunks) };
  }

  it('in 64 KiB PATCH chunks, each with its Content-Range: distribution takes them, and the blob reads back whole', async () => {
    const stats = await imageCache(`${registry.host}/chunked:cache`, { insecure: [], env, chunkBytes: 64 * 1024 }).save([layer], PROVENANCE, never);
    expect(stats.bytesMoved).toBeGreaterThan(300_000);
    const { digest, bytes } = await readBack('chunked:cache');
    expect(sha256(bytes)).toBe(digest);
  });

  it("mounted from the repository pybp saved it to (201), and declined where that repository lacks it (202, uploaded in the mount's session)", async () => {
    await imageCache(`${registry.host}/app-a:cache`, { insecure: [], env }).save([layer], PROVENANCE, never);
    const mounted = await imageCache(`${registry.host}/app-b:cache`, { insecure: [], env }).save([layer], PROVENANCE, never);
    expect(mounted.blobsMounted).toBe(1);
    // Only the config crossed.
    expect(mounted.bytesMoved).toBeLessThan(4096);
    expect(sha256((await readBack('app-b:cache')).bytes)).toBe((await readBack('app-a:cache')).digest);

    // A record that is wrong (the blob is not in `empty`): the registry declines, the upload goes on.
    const wrong: BlobRecord = { sourceFor: () => 'empty', note: async () => {} };
    const declined = await imageCache(`${registry.host}/app-c:cache`, { insecure: [], env, blobRecord: wrong }).save([layer], PROVENANCE, never);
    expect(declined.blobsMounted).toBe(0);
    expect(declined.bytesMoved).toBeGreaterThan(300_000);
    const { digest, bytes } = await readBack('app-c:cache');
    expect(sha256(bytes)).toBe(digest);
  });
});
