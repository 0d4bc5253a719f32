import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseEnvFlags } from '../engine/build-env.js';
import { isPybpError, PybpError } from '../engine/errors.js';
import { launchEnv } from '../engine/launch-env.js';
import { missingProcessReason, PROCFILE, processCommand, readProcfile } from '../engine/procfile.js';
import { resolveContext } from '../engine/project-context.js';
import { EXIT_FAILED, EXIT_USAGE } from './exit-codes.js';
import { printFatal } from './report-error.js';

export interface RunFlags {
  layersDir?: string;
  port?: string;
  env?: string[];
  debug?: boolean;
}

export async function runCommand(dir: string, command: string[], flags: RunFlags): Promise<number> {
  try {
    const { appDir, layersDir, configVars, layersAccess } = await resolveContext({
      appDir: dir,
      layersDir: flags.layersDir,
      envFlags: parseEnvFlags(flags.env ?? []),
    });
    // Only layers pybp made here, holding nothing it did not make, are run.
    const problem = layersAccess.problem;
    if (problem) throw new PybpError({ ...problem, fix: `${problem.fix.replace(/\.?$/, '.')} Then run \`pybp build\`.` });
    const env = await launchEnv(layersDir, process.env, configVars);
    let argv: string[];
    if (command.length === 1 && command[0] === 'web') {
      const read = await readProcfile(appDir);
      const web = read.kind === 'found' ? processCommand(read.procfile, 'web') : null;
      if (!web) {
        const file = path.join(appDir, PROCFILE);
        throw new PybpError({
          code: 'no-web-process',
          title: 'No web process',
          message:
            read.kind === 'found'
              ? `${missingProcessReason(read.procfile, 'web', file)}.`
              : read.kind === 'missing'
                ? `There is no ${file}.`
                : `${read.reason} (${file}).`,
          fix: 'Add a Procfile with e.g. `web: gunicorn app:app`, or run a command: pybp run -- python app.py',
        });
      }
      env.PORT = flags.port ?? '5000';
      // Procfile commands are shell command lines, as on Heroku.
      argv = ['bash', '-c', web];
    } else if (command.length > 0) {
      argv = command;
    } else {
      throw new PybpError({
        code: 'usage',
        title: 'Nothing to run',
        message: 'pybp run needs a command after --, or "web".',
        fix: 'Example: pybp run . -- python -c "import flask"   or   pybp run . web',
      });
    }
    const child = spawn(argv[0], argv.slice(1), { cwd: appDir, env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => {
      child.once('error', (err) => {
        printFatal(
          new PybpError({
            code: 'command-spawn-failed',
            title: `${argv[0]} could not be run`,
            message: `${(err as Error).message} (PATH=${env.PATH})`,
            fix: 'Check the command name; the launch PATH has the venv and python layers first.',
          }),
          flags,
        );
        resolve(127);
      });
      // A shell's convention: a command killed by signal N exits 128+N (137 for SIGKILL, 143 for SIGTERM).
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
    });
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
}
