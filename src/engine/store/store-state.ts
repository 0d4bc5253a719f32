// Everything a plan needs from the layers directory, read together: the
// layers a previous build left, pybp's sidecar, and the journal of an
// interrupted build (read once and shared by the other two).
import { type Journal, readJournal } from './journal.js';
import { type PreviousLayer, readPreviousLayers } from './previous-state.js';
import { readSidecar, type SidecarRead } from './sidecar.js';

export interface StoreState {
  previous: ReadonlyMap<string, PreviousLayer>;
  sidecar: SidecarRead;
  journal: Journal | null;
}

/** A layers directory with nothing in it (a first build, or --clear-cache). */
export const EMPTY_STORE: StoreState = { previous: new Map(), sidecar: { ok: true, sidecar: null }, journal: null };

/** Throws the I/O error of a layers directory that cannot be read (a symlink loop, no permission). */
export async function readStore(layersDir: string): Promise<StoreState> {
  const journal = await readJournal(layersDir);
  const [previous, sidecar] = await Promise.all([readPreviousLayers(layersDir, journal), readSidecar(layersDir, journal)]);
  return { previous, sidecar, journal };
}

/** An earlier build was interrupted: the next build first rolls it back. */
export function interruptedBuild(store: StoreState): boolean {
  return store.journal?.state === 'running';
}
