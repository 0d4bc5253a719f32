import { runDoctor } from '../engine/index.js';
import type { DoctorReport } from '../engine/index.js';
import { isPybpError } from '../engine/index.js';
import { EXIT_CANNOT_TELL, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, type CommonFlags, planOptions, showReport } from './options.js';
import { exitOnInterrupt } from './interrupt.js';
import { printFatal } from './report-error.js';
import { inert } from '../engine/index.js';

export async function doctorCommand(dir: string, flags: CommonFlags & { offline?: boolean }): Promise<number> {
  applyColorFlags(flags);
  exitOnInterrupt('doctor', flags);
  let report: DoctorReport;
  try {
    // Progress (doctor installing its own pinned uv) goes to stderr, so --json's stdout stays one document.
    const onProgress = (message: string) => process.stderr.write(`pybp doctor: ${inert(message)}\n`);
    report = await runDoctor({ ...planOptions(dir, flags), offline: flags.offline === true, onProgress });
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  await showReport(flags, report, {
    ink: async (r) => (await import('../ui/ink/render.js')).renderDoctorInk(r),
    plain: async (r) => (await import('../ui/plain/doctor.js')).printDoctor(r, process.stdout),
  });
  // 0 is a promise that Heroku would build the app; every other verdict has its own code.
  return report.verdict === 'would-build' ? EXIT_OK : report.verdict === 'cannot-tell' ? EXIT_CANNOT_TELL : EXIT_FAILED;
}
