// `pybp history` and `pybp explain --last` / `--build N`: builds as the history
// recorded them. Reads pybp's own file only; runs nothing.
import { isPybpError, PybpError } from '../engine/index.js';
import { readAppDir } from '../engine/index.js';
import { historyReport, lastBuildReport } from '../engine/index.js';
import { resolveContext } from '../engine/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, type CommonFlags, showReport } from './options.js';
import { printFatal } from './report-error.js';
import { exitOnInterrupt } from './interrupt.js';

async function locate(dir: string, flags: CommonFlags): Promise<{ appDir: string; layersDir: string; trusted: boolean }> {
  const { appDir, layersDir, layersAccess } = await resolveContext({ appDir: dir, layersDir: flags.layersDir, configFile: flags.config });
  // A mistyped path is an error, as in build, explain and doctor, not an empty history.
  await readAppDir(appDir);
  return { appDir, layersDir, trusted: layersAccess.trusted };
}

export async function historyCommand(dir: string, flags: CommonFlags): Promise<number> {
  exitOnInterrupt('history', flags);
  applyColorFlags(flags);
  let report;
  try {
    const { appDir, layersDir, trusted } = await locate(dir, flags);
    report = await historyReport(appDir, layersDir, trusted);
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  await showReport(flags, report, {
    ink: async (r) => (await import('../ui/ink/render.js')).renderHistoryInk(r),
    plain: async (r) => (await import('../ui/plain/history.js')).printHistory(r, process.stdout),
  });
  return EXIT_OK;
}

/** `--build N`: a positive whole number. */
export function parseBuildId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new PybpError({ code: 'usage', title: 'Bad --build', message: `--build takes a build number from \`pybp history\`, not "${value}".`, fix: 'Example: pybp explain --build 3' });
  }
  return id;
}

export async function lastBuildCommand(
  dir: string,
  flags: CommonFlags & { build?: string; python?: string; packageManager?: string; since?: string; exitCode?: boolean },
): Promise<number> {
  applyColorFlags(flags);
  let report;
  try {
    const asked = (['python', 'packageManager', 'since', 'exitCode', 'target'] as const).filter((k) => flags[k] !== undefined);
    if (asked.length > 0) {
      throw new PybpError({
        code: 'usage',
        title: '--last shows a build that happened',
        message: `--last and --build show a recorded build; --${asked.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')} ask about a build that has not happened.`,
        fix: 'Leave those out, or ask without --last / --build.',
      });
    }
    const id = flags.build === undefined ? undefined : parseBuildId(flags.build);
    const { appDir, layersDir, trusted } = await locate(dir, flags);
    report = await lastBuildReport(appDir, layersDir, trusted, id);
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  await showReport(flags, report, {
    // The same shape as `pybp history --json`, with the one build.
    json: ({ build, ...rest }) => ({ ...rest, builds: [build] }),
    ink: async (r) => (await import('../ui/ink/render.js')).renderLastBuildInk(r),
    plain: async (r) => (await import('../ui/plain/history.js')).printLastBuild(r, process.stdout),
  });
  return EXIT_OK;
}
