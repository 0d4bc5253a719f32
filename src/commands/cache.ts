// `pybp cache ls` and `pybp cache prune`: the layers directories this user's
// pybp owns, across apps. prune says what it removes before it removes it,
// and removes only directories pybp made (store/owned-dirs.ts).
import { listOwnedDirs, type OwnedDir, removeOwnedDir } from '../engine/store/owned-dirs.js';
import { PybpError } from '../engine/core/errors.js';
import { formatSize } from '../ui/format.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { printFatal } from './report-error.js';

export async function cacheLsCommand(flags: { json?: boolean }): Promise<number> {
  const dirs = await listOwnedDirs(process.env);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ layersDirs: dirs.map(({ token: _t, ...d }) => d) }, null, 2) + '\n');
    return EXIT_OK;
  }
  if (dirs.length === 0) process.stdout.write('pybp owns no layers directories on this machine.\n');
  for (const d of dirs) process.stdout.write(`${line(d)}\n`);
  return EXIT_OK;
}

export async function cachePruneCommand(flags: { json?: boolean; olderThan?: string; missingApps?: boolean; dryRun?: boolean }): Promise<number> {
  let maxAgeMs: number | null = null;
  try {
    if (flags.olderThan !== undefined) maxAgeMs = parseAge(flags.olderThan);
    if (maxAgeMs === null && !flags.missingApps) {
      throw new PybpError({ code: 'usage', title: 'Nothing to prune by', message: 'pybp cache prune removes layers directories by age or by a missing app: give --older-than or --missing-apps.', fix: 'Example: pybp cache prune --older-than 30d --missing-apps' });
    }
  } catch (err) {
    printFatal(err, flags);
    return EXIT_USAGE;
  }
  const now = Date.now();
  const chosen = (await listOwnedDirs(process.env)).filter((d) => {
    const missing = !d.present || d.appExists === false;
    const old = maxAgeMs !== null && d.lastBuild !== null && now - Date.parse(d.lastBuild) > maxAgeMs;
    return (flags.missingApps === true && missing) || old;
  });
  const removed: string[] = [];
  /** Gone already, or no longer pybp's (a copy): only pybp's record of it is dropped. */
  const forgotten: string[] = [];
  const failed: Array<{ layersDir: string; problem: string }> = [];
  if (!flags.json) process.stdout.write(chosen.length === 0 ? 'Nothing to prune.\n' : `${flags.dryRun ? 'Would remove' : 'Removing'} ${chosen.length} layers director${chosen.length === 1 ? 'y' : 'ies'}:\n`);
  for (const d of chosen) {
    if (!flags.json) process.stdout.write(`  ${line(d)}\n`);
    if (flags.dryRun) continue;
    try {
      if (await removeOwnedDir(d, process.env)) removed.push(d.layersDir);
      else {
        forgotten.push(d.layersDir);
        if (!flags.json && d.present === false) process.stdout.write(`    (not there, or not pybp's: only pybp's record of it is dropped)\n`);
      }
    } catch (err) {
      failed.push({ layersDir: d.layersDir, problem: (err as Error).message });
      if (!flags.json) process.stdout.write(`    not removed: ${(err as Error).message}\n`);
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify({ chosen: chosen.map((d) => d.layersDir), removed, forgotten, failed, dryRun: flags.dryRun === true }, null, 2) + '\n');
  return failed.length > 0 ? EXIT_FAILED : EXIT_OK;
}

function line(d: OwnedDir): string {
  const app = d.app === null ? 'app: (layers outside an app)' : `app: ${d.app}${d.appExists ? '' : ' (gone)'}`;
  const state = d.present ? formatSize(d.sizeBytes) : 'gone';
  return `${d.layersDir}  ${state}  ${app}  last build: ${d.lastBuild ?? 'never'}`;
}

/** `30d`, `12h`, `90m`. */
export function parseAge(text: string): number {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (!m) throw new PybpError({ code: 'usage', title: 'Bad --older-than', message: `--older-than takes a number and d, h or m (30d, 12h), not "${text}".`, fix: 'Example: --older-than 30d' });
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}
