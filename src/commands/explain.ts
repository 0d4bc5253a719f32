import { explainReport } from '../engine/explain.js';
import { isPybpError } from '../engine/errors.js';
import { planBuild } from '../engine/plan.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, chooseRenderer, type CommonFlags, planOptions } from './options.js';
import { printFatal } from './report-error.js';

export async function explainCommand(dir: string, flags: CommonFlags): Promise<number> {
  applyColorFlags(flags);
  let report;
  try {
    report = explainReport(await planBuild(planOptions(dir, flags)));
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  const renderer = chooseRenderer(flags);
  if (renderer === 'json') {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else if (renderer === 'ink') {
    const { renderExplainInk } = await import('../ui/ink/render.js');
    await renderExplainInk(report, { debug: flags.debug });
  } else {
    const { printExplain } = await import('../ui/plain/explain.js');
    printExplain(report, process.stdout);
  }
  return report.error ? EXIT_FAILED : EXIT_OK;
}
