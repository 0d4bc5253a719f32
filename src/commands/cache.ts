// `pybp cache ls` and `pybp cache prune`: what pybp keeps on this machine
// across apps (layers directories from its ownership records, and its own
// cache directory). prune shows its plan first and removes only after a yes
// (--yes, or an answer in a terminal); output is plain lines or --json, never
// Ink.
import readline from 'node:readline/promises';
import { type ErrorData, PybpError } from '../engine/index.js';
import { takeInventory } from '../engine/index.js';
import { executePrune, parseAge, planPrune, type PruneResult } from '../engine/index.js';
import { jsonText } from '../ui/json-text.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags } from './options.js';
import { printFatal } from './report-error.js';

interface LsFlags {
  json?: boolean;
  color?: boolean;
  debug?: boolean;
}

interface PruneFlags extends LsFlags {
  olderThan?: string;
  missingApps?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export async function cacheLsCommand(flags: LsFlags): Promise<number> {
  applyColorFlags(flags);
  let inv;
  try {
    inv = await takeInventory(process.env);
  } catch (err) {
    printFatal(err, flags);
    return EXIT_FAILED;
  }
  if (flags.json) {
    process.stdout.write(jsonText(lsJson(inv)));
  } else {
    (await import('../ui/plain/cache.js')).printCacheList(inv, process.stdout);
  }
  return EXIT_OK;
}

function lsJson(inv: Awaited<ReturnType<typeof takeInventory>>) {
  return {
    registry: inv.registry,
    cacheDir: inv.cacheDir,
    // The token stays out: it is what makes a directory pybp's, and nothing a reader needs.
    layersDirs: inv.layersDirs.map(({ token: _token, ...d }) => d),
    badRecords: inv.badRecords.map(({ token: _token, ...b }) => b),
    caches: inv.caches,
    cacheProblems: inv.cacheProblems,
  };
}

export async function cachePruneCommand(flags: PruneFlags): Promise<number> {
  applyColorFlags(flags);
  let olderThanMs: number | null = null;
  if (flags.olderThan !== undefined) {
    olderThanMs = parseAge(flags.olderThan);
    if (olderThanMs === null) {
      printFatal(
        new PybpError({
          code: 'usage',
          title: 'Bad --older-than',
          message: `--older-than takes a whole number and a unit (w, d, h or m), not "${flags.olderThan}".`,
          fix: 'Example: pybp cache prune --older-than 30d',
        }),
        flags,
      );
      return EXIT_USAGE;
    }
  }
  let inv;
  try {
    inv = await takeInventory(process.env);
  } catch (err) {
    printFatal(err, flags);
    return EXIT_FAILED;
  }
  const criteria = { olderThanMs, missingApps: flags.missingApps === true, now: Date.now() };
  const plan = planPrune(inv, criteria);
  const plain = flags.json ? null : await import('../ui/plain/cache.js');
  plain?.printPrunePlan(plan, { dryRun: flags.dryRun === true, cacheDir: inv.cacheDir }, process.stdout);
  const json = (results: PruneResult[] | null, error: ErrorData | null) =>
    process.stdout.write(jsonText({ dryRun: flags.dryRun === true, criteria: { olderThan: flags.olderThan ?? null, missingApps: criteria.missingApps }, plan, results, error }));
  const refusedCode = plan.refused.length > 0 ? EXIT_FAILED : EXIT_OK;

  if (flags.dryRun || plan.actions.length === 0) {
    if (flags.json) json(null, null);
    return refusedCode;
  }
  if (!flags.yes) {
    const interactive = !flags.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
    if (!interactive) {
      const error = new PybpError({
        code: 'confirmation-required',
        title: 'pybp cache prune removes nothing without a yes',
        message: `It would remove what is listed${flags.json ? ' in the plan' : ' above'}, and there is no terminal to ask in. Nothing was removed.`,
        fix: 'Pass --yes to remove it (or --dry-run to only see the list).',
      });
      if (flags.json) json(null, error.toData());
      else printFatal(error, flags);
      return EXIT_FAILED;
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Remove these? [y/N] ').finally(() => rl.close());
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stdout.write('Nothing was removed.\n');
      return EXIT_OK;
    }
  }
  const results = await executePrune(plan, inv, (r) => plain?.printPruneResult(r, process.stdout));
  if (flags.json) json(results, null);
  else plain?.printPruneSummary(results, process.stdout);
  const failed = results.some((r) => r.outcome === 'failed' || r.outcome === 'refused');
  return failed ? EXIT_FAILED : refusedCode;
}
