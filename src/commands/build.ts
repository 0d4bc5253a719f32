import { runBuild } from '../engine/index.js';
import type { EngineEvent } from '../engine/index.js';
import { onStopAgain, watchStops } from '../engine/index.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, chooseRenderer, type CommonFlags, planOptions } from './options.js';
import { printFatal } from './report-error.js';
import { jsonText } from '../ui/json-text.js';

export interface BuildFlags extends CommonFlags {
  clearCache?: boolean;
  cacheDir?: string;
  cacheImage?: string;
  insecureRegistry?: string[];
}

export async function buildCommand(dir: string, flags: BuildFlags): Promise<number> {
  applyColorFlags(flags);
  let options;
  try {
    options = { ...planOptions(dir, flags), clearCache: flags.clearCache, debug: flags.debug, hostEnv: process.env,
      cache: { cacheDir: flags.cacheDir, cacheImage: flags.cacheImage, insecureRegistries: flags.insecureRegistry } };
  } catch (err) {
    printFatal(err, flags);
    return EXIT_USAGE;
  }
  const renderer = chooseRenderer(flags);
  // Every way pybp is stopped (SIGINT, SIGTERM, SIGHUP, SIGQUIT, a closed stdout or stderr) aborts this one
  // signal: the running tool's group is stopped, the build rolled back and recorded, the build HOME removed.
  const signal = watchStops();
  // A second signal while the rollback runs means "now" (the next build's recovery finishes the rollback).
  const offAgain = onStopAgain(() => process.exit(EXIT_INTERRUPTED));

  let onEvent: (e: EngineEvent) => void = () => {};
  let finish: (report: Awaited<ReturnType<typeof runBuild>>) => Promise<void> = async () => {};
  if (renderer === 'json') {
    finish = async (report) => {
      process.stdout.write(jsonText(report));
    };
  } else if (renderer === 'ink') {
    const { startInkBuild } = await import('../ui/ink/render.js');
    const { hostSelfCommandProbe, selfCommand } = await import('./self-command.js');
    const view = startInkBuild({ debug: flags.debug, pybp: selfCommand(hostSelfCommandProbe()) });
    onEvent = (e) => view.onEvent(e);
    finish = (report) => view.finish(report);
  } else {
    const { PlainBuildPrinter } = await import('../ui/plain/build.js');
    const { hostSelfCommandProbe, selfCommand } = await import('./self-command.js');
    const printer = new PlainBuildPrinter(process.stdout, process.stderr, selfCommand(hostSelfCommandProbe()));
    onEvent = (e) => printer.onEvent(e);
    finish = async (report) => printer.finish(report);
  }
  const report = await runBuild(options, onEvent, signal);
  await finish(report);
  offAgain();
  if (report.status === 'succeeded') return EXIT_OK;
  if (report.status === 'interrupted') return EXIT_INTERRUPTED;
  return report.error?.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
}
