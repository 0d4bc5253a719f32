// What `pybp history` and `pybp explain --last` / `--build N` print: builds
// as the history recorded them. Reading only: nothing is written or run.
import { PybpError } from '../core/errors.js';
import { findBuild, type HistoryBuild, readOwnHistory } from '../store/history.js';

export interface HistoryReport {
  app: string;
  layersDir: string;
  /** Newest first. */
  builds: HistoryBuild[];
  notes: string[];
}

export interface LastBuildReport {
  app: string;
  layersDir: string;
  build: HistoryBuild;
  /** How many builds the history holds (for "build 3 of 7"). */
  newestId: number;
  notes: string[];
}

export async function historyReport(app: string, layersDir: string, trusted: boolean): Promise<HistoryReport> {
  const read = await readOwnHistory(layersDir, trusted);
  return { app, layersDir, builds: [...read.history.builds].reverse(), notes: read.ok ? [] : [unreadableNote(read.problem)] };
}

/** The newest build, or build `id`; a missing one is an error that says what there is. */
export async function lastBuildReport(app: string, layersDir: string, trusted: boolean, id?: number): Promise<LastBuildReport> {
  const read = await readOwnHistory(layersDir, trusted);
  const build = findBuild(read.history, id);
  if (!build) {
    const ids = read.history.builds.map((b) => b.id);
    throw new PybpError({
      code: 'no-build-history',
      title: id === undefined ? 'No build recorded yet' : `No build ${id} in the history`,
      message:
        (read.ok ? '' : `${unreadableNote(read.problem)} `) +
        (ids.length === 0
          ? `${layersDir} has no build history: no build has run here since pybp started keeping one.`
          : `The history in ${layersDir} holds builds ${ids[0]} to ${ids.at(-1)} (the last ${ids.length}).`),
      fix: ids.length === 0 ? 'Run `pybp build` first.' : 'Pick one of those with --build N, or see them all with `pybp history`.',
    });
  }
  return { app, layersDir, build, newestId: read.history.builds.at(-1)?.id ?? build.id, notes: read.ok ? [] : [unreadableNote(read.problem)] };
}

function unreadableNote(problem: string): string {
  return `pybp's build history is unreadable (${problem}); the next build starts a new one.`;
}

/** Layers a build made (anew or again): what "rebuilt" means in the history. */
export function madeLayers(build: HistoryBuild): string[] {
  return build.layers.filter((l) => l.action === 'create' || l.action === 'discard').map((l) => l.name);
}
