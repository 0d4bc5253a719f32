// A cached layer as lifecycle writes it: one tar whose entries are absolute
// paths under /layers/heroku_python/<layer>/ (the parents /layers and
// /layers/heroku_python first), walked in lexical order, every entry with a
// fixed mtime and the build user's ids, so the same layer always gives the
// same bytes and so the same diffID (lifecycle: layers/dir.go, archive/).
//
// tar-stream writes and reads the headers: pybp chooses every field itself
// (name, order, mode, ids, mtime), which node-tar does not allow.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Headers, Pack } from 'tar-stream';

/** lifecycle's prefix for heroku/python's layers inside an image or a cache. */
export const LAYERS_PREFIX = '/layers/heroku_python';
/** 1980-01-01T00:00:01Z, lifecycle's normalised mtime (SOURCE_DATE_EPOCH's default). */
export const NORMALISED_MTIME = new Date(315532801 * 1000);
/** The build user of Heroku's builder: every entry from the layer dir down is theirs. */
export const BUILD_UID = 1002;
export const BUILD_GID = 1000;

async function tarStream(): Promise<typeof import('tar-stream')> {
  // Loaded when a cache is used: no other command pays for it.
  const mod = (await import('tar-stream')) as unknown as { default?: typeof import('tar-stream') } & typeof import('tar-stream');
  return mod.default ?? mod;
}

/** The layer directory as lifecycle's tar; the stream ends after the last entry. */
export async function packLayer(layerDir: string, layerName: string, signal?: AbortSignal): Promise<Readable> {
  const tar = await tarStream();
  const pack = tar.pack();
  const out = new PassThrough();
  (pack as unknown as Readable).pipe(out);
  (async () => {
    const root = `${LAYERS_PREFIX}/${layerName}`;
    await add(pack, { name: '/layers', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: NORMALISED_MTIME });
    await add(pack, { name: LAYERS_PREFIX, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: NORMALISED_MTIME });
    await walk(pack, layerDir, root, signal);
    pack.finalize();
  })().catch((err: unknown) => {
    out.destroy(err as Error);
    pack.destroy(err as Error);
  });
  return out;
}

async function walk(pack: Pack, dir: string, name: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const st = await fs.lstat(dir);
  await add(pack, headerFor(name, st, 'directory'));
  // filepath.Walk's order: each directory's names sorted bytewise.
  const names = (await fs.readdir(dir)).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
  for (const entry of names) {
    const full = path.join(dir, entry);
    const entryName = `${name}/${entry}`;
    const est = await fs.lstat(full);
    if (est.isDirectory()) await walk(pack, full, entryName, signal);
    else if (est.isSymbolicLink()) await add(pack, { ...headerFor(entryName, est, 'symlink'), linkname: await fs.readlink(full) });
    else if (est.isFile()) {
      // Hard links become regular files, as lifecycle writes them.
      const header = { ...headerFor(entryName, est, 'file'), size: est.size };
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
        const src = createReadStream(full);
        src.on('error', (err) => {
          sink.destroy(err);
          reject(err);
        });
        src.pipe(sink as unknown as NodeJS.WritableStream);
      });
    }
    // Sockets, FIFOs and devices are skipped (lifecycle skips sockets; a layer has no business holding the others).
  }
}

function headerFor(name: string, st: { mode: number }, type: 'file' | 'directory' | 'symlink'): Headers {
  // setuid/setgid/sticky never go into a cache: a restore would refuse them.
  return { name, type, mode: st.mode & 0o777, uid: BUILD_UID, gid: BUILD_GID, uname: '', gname: '', mtime: NORMALISED_MTIME };
}

function add(pack: Pack, header: Headers): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

/** Bounds on what one restored layer may hold. */
export interface ExtractLimits {
  /** Total bytes of file contents. */
  maxBytes: number;
  maxEntries: number;
  /** Longest entry name or link target. */
  maxPathLength: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxBytes: 8 * 1024 ** 3, maxEntries: 1_000_000, maxPathLength: 4096 };

/** Why a layer's tar was refused; the layer is then rebuilt. */
export class RefusedLayer extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RefusedLayer';
  }
}

/**
 * A Writable that extracts lifecycle's tar of `layerName` into `stagingDir`
 * (which must not exist yet). `finalDir` is where the layer will live once
 * renamed, as the build's tools see it, and `layersDir` the layers dir as they
 * see it: links are judged from there and must stay inside it. With Heroku's
 * paths that is /layers/heroku_python, where a venv's bin/python link points
 * (`/layers/heroku_python/python/bin/python`, as in pack's caches): in the
 * sandbox it stays inside the layers dir; on the host it points at a path
 * pybp never made, and pybp writes nothing through a kept layer's links (its
 * env dirs are removed and made anew, its toml lies beside it).
 * Refused (RefusedLayer): an entry outside the layer, `..`, a link leading
 * out of the layers dir, a hard link, a device node or FIFO, setuid/setgid
 * bits, a duplicate entry, a path through a link, or a size past the limits.
 */
export async function layerExtractor(args: {
  layerName: string;
  stagingDir: string;
  /** Where the layer will live, as the build's tools see it. */
  finalDir: string;
  /** The layers dir as the build's tools see it (the host path, or /layers/heroku_python). */
  layersDir: string;
  limits?: ExtractLimits;
}): Promise<{ sink: Writable; done: Promise<{ bytes: number; entries: number }> }> {
  const tar = await tarStream();
  const limits = args.limits ?? DEFAULT_EXTRACT_LIMITS;
  const extract = tar.extract();
  const root = `${LAYERS_PREFIX.slice(1)}/${args.layerName}`;
  const parents = new Set(['layers', LAYERS_PREFIX.slice(1)]);
  /** Relative paths made so far, with their kind: nothing may be written through a link or twice. */
  const made = new Map<string, 'dir' | 'file' | 'link'>([['', 'dir']]);
  const dirModes: Array<{ dir: string; mode: number; mtime: Date | undefined }> = [];
  let bytes = 0;
  let entries = 0;
  await fs.mkdir(args.stagingDir, { mode: 0o700 });

  const refuse = (why: string): never => {
    throw new RefusedLayer(why);
  };

  const handle = async (header: Headers, body: Readable): Promise<void> => {
    entries += 1;
    if (entries > limits.maxEntries) refuse(`it has more than ${limits.maxEntries} entries`);
    const rawName = header.name;
    if (rawName.length > limits.maxPathLength) refuse(`an entry name is longer than ${limits.maxPathLength} characters`);
    if (header.type === 'pax-global-header' || header.type === 'pax-header') return drain(body);
    const name = rawName.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const parts = name.split('/');
    if (parts.some((p) => p === '..' || p === '.' || p === '')) refuse(`the entry ${JSON.stringify(rawName)} has an empty, . or .. component`);
    if (parents.has(name)) {
      if (header.type !== 'directory') refuse(`the entry ${JSON.stringify(rawName)} is not a directory`);
      return drain(body);
    }
    if (name !== root && !name.startsWith(root + '/')) refuse(`the entry ${JSON.stringify(rawName)} lies outside ${LAYERS_PREFIX}/${args.layerName}/`);
    const rel = name === root ? '' : name.slice(root.length + 1);
    const mode = header.mode ?? 0o644;
    if (mode & 0o6000) refuse(`the entry ${JSON.stringify(rawName)} has the setuid or setgid bit`);
    // Every parent must be a directory this extraction made (never a link, never missing).
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (rel !== '' && made.get(parent) !== 'dir') refuse(`the entry ${JSON.stringify(rawName)} is not inside a directory of the layer`);
    const existing = made.get(rel);
    const target = path.join(args.stagingDir, rel);
    switch (header.type) {
      case 'directory': {
        if (existing !== undefined && existing !== 'dir') refuse(`the entry ${JSON.stringify(rawName)} appears twice`);
        if (existing === undefined) await fs.mkdir(target, { mode: 0o700 });
        made.set(rel, 'dir');
        dirModes.push({ dir: target, mode: mode & 0o1777, mtime: header.mtime });
        return drain(body);
      }
      case 'file':
      case 'contiguous-file': {
        if (existing !== undefined) refuse(`the entry ${JSON.stringify(rawName)} appears twice`);
        const size = header.size ?? 0;
        if (bytes + size > limits.maxBytes) refuse(`its files are larger than ${limits.maxBytes} bytes`);
        bytes += size;
        made.set(rel, 'file');
        // 'wx': never through whatever might already be there.
        await pipeline(body, createWriteStream(target, { flags: 'wx', mode: mode & 0o777 }));
        await fs.chmod(target, mode & 0o777);
        if (header.mtime) await fs.utimes(target, header.mtime, header.mtime);
        return;
      }
      case 'symlink': {
        if (existing !== undefined) refuse(`the entry ${JSON.stringify(rawName)} appears twice`);
        const link = header.linkname ?? '';
        if (link === '' || link.length > limits.maxPathLength) refuse(`the link ${JSON.stringify(rawName)} has an empty or overlong target`);
        const from = path.join(args.finalDir, rel);
        const resolved = path.isAbsolute(link) ? path.normalize(link) : path.resolve(path.dirname(from), link);
        const inside = resolved === args.layersDir || resolved.startsWith(args.layersDir + path.sep);
        if (!inside) refuse(`the link ${JSON.stringify(rawName)} leads out of the layers directory (to ${JSON.stringify(link)})`);
        made.set(rel, 'link');
        await fs.symlink(link, target);
        return drain(body);
      }
      case 'link':
        return refuse(`the entry ${JSON.stringify(rawName)} is a hard link (lifecycle writes none)`);
      case 'character-device':
      case 'block-device':
        return refuse(`the entry ${JSON.stringify(rawName)} is a device node`);
      case 'fifo':
        return refuse(`the entry ${JSON.stringify(rawName)} is a FIFO`);
      default:
        return refuse(`the entry ${JSON.stringify(rawName)} has the unsupported type ${String(header.type)}`);
    }
  };

  const done = (async () => {
    for await (const entry of extract as unknown as AsyncIterable<Readable & { header: Headers }>) {
      await handle(entry.header, entry);
    }
    if (!made.has('') || dirModes.every((d) => d.dir !== args.stagingDir)) {
      // A tar without the layer's own directory entry still gives a layer; its mode is the usual one.
      dirModes.push({ dir: args.stagingDir, mode: 0o755, mtime: undefined });
    }
    // Modes last and deepest first, so a read-only directory did not stop its own contents.
    for (const d of dirModes.reverse()) {
      await fs.chmod(d.dir, d.mode);
      if (d.mtime) await fs.utimes(d.dir, d.mtime, d.mtime);
    }
    return { bytes, entries };
  })();
  // The iterator's own error (bad tar) reaches `done`; a refusal stops the input too.
  done.catch(() => (extract as unknown as Writable).destroy());
  return { sink: extract as unknown as Writable, done };
}

function drain(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on('end', resolve);
    body.on('error', reject);
    body.resume();
  });
}

/** Writes a stream to a file, for tests and the volume cache. */
export async function streamToFile(stream: Readable, file: string): Promise<void> {
  await pipeline(stream, createWriteStream(file, { flags: 'wx', mode: 0o644 }));
}
