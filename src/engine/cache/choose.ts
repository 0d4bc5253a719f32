// Which shared cache a command uses. Flags first, then the config. A build
// takes `cache.dir` / `cache.image` from any config (it runs the app's tools
// anyway); explain and doctor only from a config the user named with
// --config, never from the repo's own: inspecting a cloned repo must not
// send traffic because of it.
import path from 'node:path';
import { PybpError } from '../core/errors.js';
import type { ProjectContext } from '../project/project-context.js';
import { parseImageRef, ReferenceError } from '../io/registry/reference.js';
import type { CacheBackend } from './backend.js';

export interface CacheFlags {
  cacheDir?: string;
  cacheImage?: string;
  insecureRegistries?: string[];
}

export type CacheChoice =
  | { kind: 'dir'; dir: string; origin: 'flag' | 'config' }
  | { kind: 'image'; ref: string; insecure: string[]; origin: 'flag' | 'config' };

export function chooseCache(context: ProjectContext, flags: CacheFlags, who: { command: 'build' | 'explain'; explicitConfig: boolean }): CacheChoice | null {
  const fromConfig = who.command === 'build' || who.explicitConfig;
  const cfg = context.config.config.cache;
  const insecure = [...(flags.insecureRegistries ?? []), ...(fromConfig ? cfg.insecureRegistries : [])];
  if (flags.cacheDir && flags.cacheImage) throw bothError();
  if (flags.cacheDir) return { kind: 'dir', dir: path.resolve(flags.cacheDir), origin: 'flag' };
  if (flags.cacheImage) return { kind: 'image', ref: checkedRef(flags.cacheImage, 'flag'), insecure, origin: 'flag' };
  if (!fromConfig) return null;
  if (cfg.dir && cfg.image) throw bothError();
  if (cfg.dir) return { kind: 'dir', dir: cfg.dir, origin: 'config' };
  if (cfg.image) return { kind: 'image', ref: checkedRef(cfg.image, 'config'), insecure, origin: 'config' };
  return null;
}

/** A reference that can't be one is bad input, said before anything is done (not a cold build). */
function checkedRef(text: string, origin: 'flag' | 'config'): string {
  try {
    parseImageRef(text);
    return text;
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const where = origin === 'flag' ? '--cache-image' : 'cache.image in the config';
    throw new PybpError({
      code: origin === 'flag' ? 'usage' : 'config-invalid',
      title: 'Not an image reference',
      message: `${where}: ${err.message}.`,
      fix: 'Give a reference as docker and pack write one: [HOST[:PORT]/]REPOSITORY[:TAG], the repository in lower case (letters, digits, . _ -, separated by /), e.g. ghcr.io/acme/app-cache:main or 127.0.0.1:5000/app-cache.',
    });
  }
}

export async function cacheBackend(choice: CacheChoice, env: NodeJS.ProcessEnv): Promise<CacheBackend> {
  if (choice.kind === 'dir') {
    const { dirCache } = await import('./dir-cache.js');
    return dirCache(choice.dir);
  }
  const { imageCache } = await import('./image-cache.js');
  return imageCache(choice.ref, { insecure: choice.insecure, env });
}

function bothError(): PybpError {
  return new PybpError({
    code: 'usage',
    title: 'Two build caches',
    message: 'A build uses one shared cache: a cache dir or a cache image, not both.',
    fix: 'Give --cache-dir or --cache-image (or cache.dir or cache.image in the config), not both.',
  });
}
