// What build --json and explain --json say about a shared cache, for the
// shared-cache e2e tests, and the paths flags they pass where the mode matters.

/** The mode is said wherever the behaviour differs; the rest runs in the default mode (heroku where bubblewrap works). */
export const HEROKU = ['--paths', 'heroku'];
export const HOST = ['--paths', 'host'];
export const HEROKU_LAYERS = '/layers/heroku_python';

export interface CacheJson {
  cache: string;
  restore: { restored: Array<{ name: string; bytes: number }>; skipped: Array<{ name: string; reasons: string[] }>; problem: string | null } | null;
  save: { saved: string[]; notSaved: Array<{ name: string; reason: string }>; stats: { bytesMoved: number; blobsSkipped: number } | null; problem: string | null } | null;
}

/** build --json's cache section. */
export const cacheOf = (report: unknown): CacheJson => (report as { cache?: CacheJson }).cache!;

/** explain --json's cache section, by layer name. */
export function cacheLayersOf(stdout: string): Record<string, { name: string; take: string; bytes?: number; reasons?: string[] }> {
  const ex = JSON.parse(stdout) as { cache: { layers: Array<{ name: string; take: string; bytes?: number; reasons?: string[] }> } };
  return Object.fromEntries(ex.cache.layers.map((l) => [l.name, l]));
}
