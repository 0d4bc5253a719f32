import { runDoctor } from '../engine/doctor/index.js';
import type { DoctorReport } from '../engine/doctor/index.js';
import { isPybpError } from '../engine/errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { applyColorFlags, chooseRenderer, type CommonFlags, planOptions } from './options.js';
import { exitOnInterrupt } from './interrupt.js';
import { printFatal } from './report-error.js';

export async function doctorCommand(dir: string, flags: CommonFlags): Promise<number> {
  applyColorFlags(flags);
  exitOnInterrupt('doctor', flags);
  let report: DoctorReport;
  try {
    report = await runDoctor(planOptions(dir, flags));
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
  const renderer = chooseRenderer(flags);
  if (renderer === 'json') {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else if (renderer === 'ink') {
    // Imported lazily, so --json never loads Ink or React.
    const { renderDoctorInk } = await import('../ui/ink/render.js');
    await renderDoctorInk(report);
  } else {
    const { printDoctor } = await import('../ui/plain/doctor.js');
    printDoctor(report, process.stdout);
  }
  return report.ok ? EXIT_OK : EXIT_FAILED;
}
