// A real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1
// with a private config, started by the test through spawnChild (so it is
// killed by PID when the test or file ends, even on a timeout) and stopped by
// PID by `stop()`. .ci/run installs the package; without it this throws.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnChild, type TrackedChild } from './children.js';

export interface LoopbackRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  /** Where the registry keeps its blobs (tests damage them here). */
  dataDir: string;
  pid: number;
  /** The file of a blob in the registry's storage. */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function registryBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('docker-registry is not installed: .ci/run installs it (apt-get install -y --no-install-recommends docker-registry skopeo umoci)');
  }
}

export async function startRegistry(dir: string): Promise<LoopbackRegistry> {
  const bin = registryBinary();
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dataDir = join(dir, `data-${port}`);
    const config = join(dir, `registry-${port}.yml`);
    await writeFile(
      config,
      [
        'version: 0.1',
        'log: {level: error}',
        `storage: {filesystem: {rootdirectory: ${dataDir}}, delete: {enabled: true}}`,
        `http: {addr: 127.0.0.1:${port}}`,
        '',
      ].join('\n'),
    );
    const child: TrackedChild = spawnChild(bin, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    void child.exited.then(() => (exited = true));
    const host = `127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !exited; i++) {
      const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 200, () => false);
      if (ok) {
        return {
          host,
          dataDir,
          pid: child.pid,
          blobFile: (digest) => {
            const hex = digest.replace(/^sha256:/, '');
            return join(dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
          },
          stop: async () => {
            child.signal('SIGTERM');
            await child.exited;
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await child.killTree();
    if (!/address already in use/i.test(stderr)) throw new Error(`docker-registry did not start on ${host}: ${stderr.slice(0, 500)}`);
  }
  throw new Error('docker-registry found no free port');
}
