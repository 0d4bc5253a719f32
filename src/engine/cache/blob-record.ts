// Which repositories of which registries hold the blobs pybp has saved (its
// own record, in its state dir), so that a save to another repository of the
// same registry (the cache image of another app, say: the uv layer is the
// same bytes) can mount a blob there (POST ?mount=&from=) instead of
// uploading it again. A hint, never a fact: the registry checks the mount
// (the digest names the bytes, and the user must be allowed to read the
// other repository), and a missing, unreadable or stale record costs an
// upload, never a save.
import path from 'node:path';
import { ownStateDir } from '../io/cache-dir.js';
import { readControlFile, writeControlFile } from '../store/control-file.js';
import { isDigest } from './metadata.js';

const FILE = 'registry-blobs.json';
const MAX_BYTES = 1 << 20;
/** The newest this many (registry, repository, digest) triples are kept. */
const MAX_ENTRIES = 2000;

interface Entry {
  registry: string;
  repository: string;
  digest: string;
  /** When pybp last saw the blob there (ms since the epoch). */
  at: number;
}

export interface BlobRecord {
  /** Another repository of `registry` where pybp saved `digest`, the newest first; null when it knows none. */
  sourceFor(registry: string, repository: string, digest: string): string | null;
  /** Notes that `repository` on `registry` now has `digests`; best effort (a failure to write loses a hint). */
  note(registry: string, repository: string, digests: readonly string[]): Promise<void>;
}

/** The record in pybp's state dir; an empty one when that dir can't be trusted or the file can't be read. */
export async function openBlobRecord(env: NodeJS.ProcessEnv): Promise<BlobRecord> {
  let file: string | null = null;
  let entries: Entry[] = [];
  try {
    file = path.join(ownStateDir(null, env), FILE);
    entries = parse(await readBounded(file));
  } catch {
    // No record (or none pybp may trust): every blob is uploaded.
  }
  return {
    sourceFor(registry, repository, digest) {
      let best: Entry | null = null;
      for (const e of entries) {
        if (e.registry === registry && e.digest === digest && e.repository !== repository && (!best || e.at > best.at)) best = e;
      }
      return best?.repository ?? null;
    },
    async note(registry, repository, digests) {
      if (!file) return;
      const now = Date.now();
      // Re-read: another build may have written since.
      const current = parse(await readBounded(file).catch(() => null));
      const fresh = new Set(digests.filter(isDigest));
      const kept = current.filter((e) => !(e.registry === registry && e.repository === repository && fresh.has(e.digest)));
      for (const digest of fresh) kept.push({ registry, repository, digest, at: now });
      kept.sort((a, b) => b.at - a.at);
      entries = kept.slice(0, MAX_ENTRIES);
      await writeControlFile(file, JSON.stringify({ version: 1, blobs: entries }), 0o600).catch(() => {});
    },
  };
}

async function readBounded(file: string): Promise<string | null> {
  const read = await readControlFile(file, MAX_BYTES);
  return read.kind === 'text' ? read.text : null;
}

function parse(text: string | null): Entry[] {
  if (!text) return [];
  try {
    const doc = JSON.parse(text) as { version?: unknown; blobs?: unknown };
    if (doc.version !== 1 || !Array.isArray(doc.blobs)) return [];
    const out: Entry[] = [];
    for (const raw of doc.blobs.slice(0, MAX_ENTRIES)) {
      const e = raw as Partial<Entry>;
      if (typeof e.registry !== 'string' || e.registry.length > 300 || typeof e.repository !== 'string' || e.repository.length > 300) continue;
      if (!isDigest(e.digest) || typeof e.at !== 'number') continue;
      out.push({ registry: e.registry, repository: e.repository, digest: e.digest, at: e.at });
    }
    return out;
  } catch {
    return [];
  }
}
