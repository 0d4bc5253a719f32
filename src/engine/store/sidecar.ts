// pybp's sidecar: what pybp knows beyond the buildpack's metadata (which
// interpreter filled the python layer, how long each layer took, its size).
// Never in `<layer>.toml`, so decisions that follow the buildpack's rules stay
// exactly the buildpack's. Written atomically at commit only, so it always
// describes the last successful build.
import { readControlFile } from './control-file.js';
import { sidecarPath } from './control-dir.js';
import { type Journal, readJournal } from './journal.js';
import type { InterpreterRecord } from '../python-source/interpreter-record.js';
import type { LayerAction } from '../layers/types.js';

const SIDECAR_MAX_BYTES = 16 << 20;

export interface LayerRecord {
  action: LayerAction;
  durationMs: number;
  sizeBytes: number | null;
  /** How long making the layer took, the last time a build made it (carried over while it is reused). */
  madeMs?: number | null;
}

export interface Sidecar {
  version: 1;
  python: InterpreterRecord | null;
  /** Where the layers were when this was written: a moved app's layers holding absolute paths are rebuilt. Absent in older sidecars. */
  layersDir?: string;
  /** The app (its real path) these layers were built for: another app is refused them. Absent in older sidecars. */
  app?: string;
  lastBuild: {
    finishedAt: string;
    packageManager: string;
    durationMs: number;
    layers: Record<string, LayerRecord>;
  } | null;
}

export type SidecarRead = { ok: true; sidecar: Sidecar | null } | { ok: false; problem: string };

/** `journal`: the journal as already read by the caller (read here when not given). */
export async function readSidecar(layersDir: string, journal?: Journal | null): Promise<SidecarRead> {
  let text: string;
  try {
    // A commit that was cut short carries the sidecar it was about to write.
    if (journal === undefined) journal = await readJournal(layersDir);
    if (journal?.state === 'committed' && journal.sidecar !== undefined) text = journal.sidecar;
    else {
      // Never through a symlink, and bounded (a link to /dev/zero must not hang explain).
      const read = await readControlFile(sidecarPath(layersDir), SIDECAR_MAX_BYTES);
      if (read.kind === 'absent') return { ok: true, sidecar: null };
      if (read.kind === 'foreign') return { ok: false, problem: read.why };
      text = read.text;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, sidecar: null };
    return { ok: false, problem: (err as Error).message };
  }
  try {
    const parsed = JSON.parse(text) as Sidecar;
    if (parsed?.version !== 1 || typeof parsed !== 'object') return { ok: false, problem: 'unknown format' };
    const python = parsed.python;
    const pythonOk =
      python === null ||
      python === undefined ||
      (typeof python === 'object' && typeof python.version === 'string' && typeof python.location === 'string');
    if (!pythonOk) return { ok: false, problem: 'the python record is malformed' };
    // explain and build read lastBuild.layers[name] without further checks.
    const last = parsed.lastBuild;
    const lastOk =
      last === null ||
      last === undefined ||
      (typeof last === 'object' &&
        typeof last.layers === 'object' &&
        last.layers !== null &&
        Object.values(last.layers).every((r) => typeof r === 'object' && r !== null));
    if (!lastOk) return { ok: false, problem: 'the record of the last build is malformed' };
    const layersDir = typeof parsed.layersDir === 'string' ? { layersDir: parsed.layersDir } : {};
    const app = typeof parsed.app === 'string' ? { app: parsed.app } : {};
    return { ok: true, sidecar: { version: 1, python: python ?? null, ...layersDir, ...app, lastBuild: last ?? null } };
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
  }
}

