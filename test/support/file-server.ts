// A loopback HTTP server for a fixed set of files (release archives, download
// lists), recording every path asked for. Close it with `server.close()`.
// Also servers that never finish an answer: a download that hangs, an index
// that accepts connections and never says a word.
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface FileServer {
  url: string;
  server: Server;
  /** Every request path, in order. */
  hits: string[];
}

/** Serves `files` (URL path → file on disk); anything else is a 404. */
export function serveFiles(files: Record<string, string>): Promise<FileServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/gzip' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits })));
}

export interface StallingServer {
  url: string;
  /** Resolves at the first request. */
  requested: Promise<void>;
  /** Drops the hanging connections and stops listening. */
  close(): Promise<void>;
}

/** A server that answers every request with headers and the first bytes of a body, then nothing: a download that hangs. */
export async function serveStalling(): Promise<StallingServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': 1_000_000 });
    res.write(Buffer.alloc(16));
  });
  const requested = new Promise<void>((resolve) => server.once('request', () => resolve()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Blackhole extends StallingServer {
  /** Connections open now (a client that gave up has closed its own). */
  open(): number;
}

/**
 * An index that accepts connections and never answers, not even headers (uv
 * gives up at once on a wrong content type, so a half answer is not a hang):
 * pip or uv waits on it, a step as long as the test likes.
 */
export async function serveBlackhole(): Promise<Blackhole> {
  const sockets = new Set<net.Socket>();
  let connected: () => void = () => {};
  const requested = new Promise<void>((resolve) => (connected = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Read (and drop) the request, so the socket sees the client's end and closes.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
    connected();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
