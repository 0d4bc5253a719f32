// A PEP 503 "simple" package index on 127.0.0.1, serving the wheels (and
// `<name>-<version>.tar.gz` source distributions) found in some directories. pip, uv and Poetry all install from it, so end-to-end tests
// never touch PyPI (nor this machine's pip config, which points elsewhere).
//
// Directories are re-read on every listing request, so a test may add a wheel
// after the index started. Per wheel the server also publishes, when it can read
// them from the archive, `data-requires-python` (PEP 503) and the core metadata
// file (PEP 658/714), which saves pip, uv and Poetry from downloading whole
// wheels just to resolve.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { normalizeProjectName } from './wheels.js';
import { readZipEntry } from './zip.js';

export interface IndexHandle {
  /** `http://127.0.0.1:PORT/simple/` */
  url: string;
  /** Every request served, as `METHOD path status`, oldest first: for debugging a failed resolve. */
  requests: string[];
  close(): Promise<void>;
}

interface WheelInfo {
  filename: string;
  path: string;
  project: string;
  sha256: string;
  requiresPython?: string;
  metadata?: Buffer;
  metadataSha256?: string;
}

export async function startIndex(wheelDirs: string[]): Promise<IndexHandle> {
  for (const dir of wheelDirs) {
    if (!(await stat(dir)).isDirectory()) throw new Error(`startIndex: ${dir} is not a directory`);
  }
  const infoCache = new Map<string, Promise<WheelInfo>>();
  const requests: string[] = [];

  async function scan(): Promise<Map<string, WheelInfo>> {
    const byFilename = new Map<string, WheelInfo>();
    for (const dir of wheelDirs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const filename of names.sort()) {
        if (!(filename.endsWith('.whl') || filename.endsWith('.tar.gz')) || byFilename.has(filename)) continue;
        const path = join(dir, filename);
        const st = await stat(path);
        const key = `${path}\0${st.size}\0${st.mtimeMs}`;
        let info = infoCache.get(key);
        if (!info) {
          info = describeWheel(path, filename);
          infoCache.set(key, info);
        }
        byFilename.set(filename, await info);
      }
    }
    return byFilename;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://index');
    const path = decodeURIComponent(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');

    if (path === '/simple') return redirect(res, '/simple/');
    if (path === '/simple/') {
      const projects = [...new Set([...(await scan()).values()].map((w) => w.project))].sort();
      const links = projects.map((p) => `<a href="/simple/${p}/">${p}</a>`);
      return send(res, 200, 'text/html; charset=utf-8', page('Simple index', links));
    }
    const project = /^\/simple\/([^/]+)(\/?)$/.exec(path);
    if (project) {
      const [, name, slash] = project;
      const normal = normalizeProjectName(name);
      if (name !== normal || !slash) return redirect(res, `/simple/${normal}/`);
      const wheels = [...(await scan()).values()].filter((w) => w.project === normal);
      if (wheels.length === 0) return send(res, 404, 'text/plain', `no project ${normal}\n`);
      const links = wheels.map((w) => {
        let attrs = `href="/files/${encodeURIComponent(w.filename)}#sha256=${w.sha256}"`;
        if (w.requiresPython) attrs += ` data-requires-python="${escapeHtml(w.requiresPython)}"`;
        if (w.metadataSha256) {
          attrs += ` data-dist-info-metadata="sha256=${w.metadataSha256}" data-core-metadata="sha256=${w.metadataSha256}"`;
        }
        return `<a ${attrs}>${escapeHtml(w.filename)}</a>`;
      });
      return send(res, 200, 'text/html; charset=utf-8', page(`Links for ${normal}`, links));
    }
    const file = /^\/files\/([^/]+)$/.exec(path);
    if (file) {
      const wheels = await scan();
      const [, filename] = file;
      const asMetadata = filename.endsWith('.whl.metadata') ? wheels.get(filename.slice(0, -'.metadata'.length)) : undefined;
      if (asMetadata?.metadata) return send(res, 200, 'application/octet-stream', asMetadata.metadata);
      const wheel = wheels.get(filename);
      if (wheel) return send(res, 200, 'application/octet-stream', await readFile(wheel.path));
    }
    return send(res, 404, 'text/plain', 'not found\n');
  }

  const server = createServer((req, res) => {
    res.on('finish', () => requests.push(`${req.method} ${req.url} ${res.statusCode}`));
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${String(error)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from pip/uv/Poetry would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function describeWheel(path: string, filename: string): Promise<WheelInfo> {
  const bytes = await readFile(path);
  const sdist = filename.endsWith('.tar.gz');
  const info: WheelInfo = {
    filename,
    path,
    // An sdist is `<name>-<version>.tar.gz`, and its name may hold dashes; a wheel's name never does.
    project: normalizeProjectName(sdist ? filename.slice(0, -'.tar.gz'.length).replace(/-[^-]*$/, '') : filename.split('-')[0]),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  // An sdist's metadata is not served: installers read it from the archive (or build it).
  if (sdist) return info;
  try {
    const metadata = readZipEntry(bytes, (name) => /^[^/]+\.dist-info\/METADATA$/.test(name));
    if (metadata) {
      info.metadata = metadata.data;
      info.metadataSha256 = createHash('sha256').update(metadata.data).digest('hex');
      const requiresPython = /^Requires-Python:[ \t]*(.+?)[ \t]*$/m.exec(headersOf(metadata.data))?.[1];
      if (requiresPython) info.requiresPython = requiresPython;
    }
  } catch {
    // An archive this tiny reader can't parse (zip64, say) is still served; only the extras are lost.
  }
  return info;
}

/** The header block of a core-metadata file: everything before the first blank line (the description). */
function headersOf(metadata: Buffer): string {
  const text = metadata.toString('utf8').replace(/\r\n/g, '\n');
  const blank = text.indexOf('\n\n');
  return blank < 0 ? text : text.slice(0, blank);
}

function page(title: string, links: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta name="pypi:repository-version" content="1.0">',
    `<title>${escapeHtml(title)}</title></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    ...links.map((l) => `${l}<br>`),
    '</body></html>',
    '',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { location, 'content-length': '0' });
  res.end();
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': String(data.length) });
  // HEAD gets the same headers and no body.
  res.end(res.req.method === 'HEAD' ? undefined : data);
}
