import { type Assumptions, parsePackageManager, parsePythonAssumption } from '../engine/index.js';
import { explainAnswer } from '../engine/index.js';
import { isPybpError, PybpError } from '../engine/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, type CommonFlags, planOptions, showReport } from './options.js';
import { exitOnInterrupt } from './interrupt.js';
import { printFatal } from './report-error.js';
import type { CacheFlags } from '../engine/index.js';

export interface ExplainFlags extends CommonFlags {
  python?: string;
  packageManager?: string;
  since?: string;
  exitCode?: boolean;
  cacheDir?: string;
  cacheImage?: string;
  insecureRegistry?: string[];
}

function question(flags: ExplainFlags): { assume: Assumptions; since?: string; cache: CacheFlags } {
  if (flags.exitCode && flags.since === undefined) {
    throw new PybpError({ code: 'usage', title: '--exit-code needs --since', message: '--exit-code says whether a build after <ref> would rebuild cached layers; it needs --since <ref>.', fix: 'Example: pybp explain --since main --exit-code' });
  }
  const assume: Assumptions = {};
  if (flags.python !== undefined) assume.pythonVersionFile = parsePythonAssumption(flags.python);
  if (flags.packageManager !== undefined) assume.packageManager = parsePackageManager(flags.packageManager);
  const cache = { cacheDir: flags.cacheDir, cacheImage: flags.cacheImage, insecureRegistries: flags.insecureRegistry };
  return { assume, since: flags.since, cache };
}

export async function explainCommand(dir: string, flags: ExplainFlags): Promise<number> {
  applyColorFlags(flags);
  exitOnInterrupt('explain', flags);
  let report;
  try {
    report = await explainAnswer(planOptions(dir, flags), question(flags));
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  await showReport(flags, report, {
    ink: async (r) => (await import('../ui/ink/render.js')).renderExplainInk(r, { debug: flags.debug }),
    plain: async (r) => (await import('../ui/plain/explain.js')).printExplain(r, process.stdout),
  });
  if (report.error) return EXIT_FAILED;
  // --exit-code: 1 when a build after the ref would rebuild what the ref's build cached.
  return flags.exitCode && report.since?.cacheBusted ? EXIT_FAILED : EXIT_OK;
}
