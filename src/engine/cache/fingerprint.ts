// A cheap fingerprint of a layer directory, over what its tar holds (every
// entry's path, type, size, mode and link target; file mtimes stand in for
// contents): taken right after a restore and again before the save, it says
// whether the build left the layer as restored, so the save can reuse the
// cache's tar instead of packing and compressing it again. The env files a
// reused layer gets rewritten (same bytes, new mtime) are compared by content.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The layer's CNB env dirs (spec §7): rewritten on every build, small. */
const ENV_DIR = /^env(\.[a-z]+)?$/;

export async function layerFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string, rel: string, inEnv: boolean): Promise<void> => {
    const names = (await fs.readdir(d)).sort();
    for (const name of names) {
      const p = path.join(d, name);
      const st = await fs.lstat(p);
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      let extra = '';
      if (kind === 'l') extra = await fs.readlink(p);
      else if (kind === 'f') extra = inEnv ? createHash('sha256').update(await fs.readFile(p)).digest('hex') : String(st.mtimeMs);
      hash.update(`${rel}/${name}\0${kind}\0${kind === 'd' ? 0 : st.size}\0${st.mode & 0o777}\0${extra}\n`);
      if (kind === 'd') await walk(p, `${rel}/${name}`, inEnv || (rel === '' && ENV_DIR.test(name)));
    }
  };
  await walk(dir, '', false);
  return hash.digest('hex');
}
