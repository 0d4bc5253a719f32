// explain and the shared cache: a repo's own config naming a cache image never
// makes explain (or doctor) send traffic; the same setting given with --config
// or as a flag does, and explain then reads only the manifest (and config),
// never a layer blob.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runPybp } from './helpers.js';

const LOCAL = ['--python-source', 'local', '--target', 'heroku-24'];
let root = '';
let server: Server;
let host = '';
const hits: string[] = [];

beforeAll(async () => {
  root = await makeTempDir('pybp explain cache ');
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  if (root) await rm(root, { recursive: true, force: true });
});

async function appWithCacheConfig(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'requirements.txt'), 'tinyweb==1.0.0\n');
  await writeFile(path.join(dir, '.python-version'), '3.12\n');
  await writeFile(path.join(dir, '.buildpackrc.json'), JSON.stringify({ cache: { image: `${host}/from-repo:latest` } }));
  return dir;
}

describe('explain and a cache image', () => {
  it("a repo's own cache.image sends nothing, from explain or doctor", async () => {
    const app = await appWithCacheConfig('repo config');
    hits.length = 0;
    const explained = await runPybp(['explain', app, '--json', ...LOCAL]);
    expect(JSON.parse(explained.stdout).cache).toBeUndefined();
    await runPybp(['doctor', app, '--json', ...LOCAL]);
    expect(hits).toEqual([]);
  });

  it('the same setting in a config the user names with --config is used, and so is the flag: manifest only', async () => {
    const app = await appWithCacheConfig('named config');
    hits.length = 0;
    const viaConfig = JSON.parse((await runPybp(['explain', app, '--json', ...LOCAL, '--config', path.join(app, '.buildpackrc.json')])).stdout) as { cache: { cache: string; problem: string } };
    expect(viaConfig.cache.cache).toBe(`cache image ${host}/from-repo:latest`);
    expect(viaConfig.cache.problem).toMatch(/no cache there yet/);
    const viaFlag = JSON.parse((await runPybp(['explain', app, '--json', ...LOCAL, '--cache-image', `${host}/flag:latest`])).stdout) as { cache: { cache: string } };
    expect(viaFlag.cache.cache).toBe(`cache image ${host}/flag:latest`);
    expect(hits.every((h) => h === 'GET /v2/' || /^GET \/v2\/(from-repo|flag)\/manifests\/latest$/.test(h))).toBe(true);
    expect(hits.filter((h) => h.includes('/manifests/'))).toHaveLength(2);
  });
});
