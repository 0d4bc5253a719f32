// `pybp run`: the app as a dyno would run it after this build, like
// `heroku local`: the launch layers' environment, the app's `.env` under its
// config vars, PORT 5006 and no DYNO as heroku local (--dyno sets it), a Procfile process by name (or a command).
import path from 'node:path';
import { parseEnvFlags } from '../engine/index.js';
import { readEnvFile, type EnvFileChoice } from '../engine/index.js';
import { isPybpError, PybpError } from '../engine/index.js';
import { isDir } from '../engine/index.js';
import { execSizeProblem, launchEnv } from '../engine/index.js';
import type { MissingConfigVar } from '../engine/index.js';
import { runDynoProcess } from '../engine/index.js';
import { watchStops } from '../engine/index.js';
import { missingProcessReason, PROCFILE, processCommand, readProcfile } from '../engine/index.js';
import { resolveContext } from '../engine/index.js';
import { otherAppProblem } from '../engine/index.js';
import { readSidecar } from '../engine/index.js';
import { EXIT_FAILED, EXIT_USAGE } from './exit-codes.js';
import { printFatal } from './report-error.js';
import { inert } from '../engine/index.js';
import { writeGuarded } from '../ui/plain/writer.js';
import { parseRunArgs, type RunTarget } from './run-target.js';
import { HEROKU_LAYERS_PATH, pathView, type SandboxSpec } from '../engine/index.js';
import { sandboxAvailability } from '../engine/index.js';
import { pathsUnavailable } from '../engine/index.js';

export interface RunFlags {
  layersDir?: string;
  port?: string;
  env?: string[];
  /** `--env-file PATH`: read this file instead of the app's .env. */
  envFile?: string;
  /** false with `--no-env-file`. */
  envFileRead?: boolean;
  debug?: boolean;
  /** `--dyno [NAME]`: set DYNO as on a real dyno (true: `<process>.1`, or `run.1` for a command). */
  dyno?: string | boolean;
}

/** heroku local's default PORT (5006 since heroku/cli#2618: 5000 collides with macOS AirPlay). */
export const DEFAULT_PORT = '5006';

function usage(message: string): PybpError {
  return new PybpError({
    code: 'usage',
    title: 'Bad pybp run arguments',
    message,
    fix: 'Examples: pybp run (the web process)   pybp run worker   pybp run path/to/app web   pybp run . -- python manage.py shell',
  });
}

/** The words commander gave (`[dir] [command...]`) and what followed `--`, into a run request. */
export async function runFromArgs(positionals: string[], afterDashDash: string[] | null, flags: RunFlags): Promise<number> {
  let parsed;
  try {
    parsed = await parseRunArgs(positionals, afterDashDash, {
      cwdHasProcess: async (name) => {
        const read = await readProcfile(process.cwd());
        return read.kind === 'found' && read.procfile.processes.has(name);
      },
      isDirectory: (p) => isDir(p).catch(() => false),
    });
  } catch (err) {
    printFatal(err, flags);
    return EXIT_FAILED;
  }
  if ('error' in parsed) {
    printFatal(usage(parsed.error), flags);
    return EXIT_USAGE;
  }
  return runCommand(parsed.dir, parsed.target, flags);
}

function portFlag(flags: RunFlags): string | undefined {
  if (flags.port === undefined) return undefined;
  if (!/^\d+$/.test(flags.port) || Number(flags.port) < 1 || Number(flags.port) > 65535) {
    throw usage(`--port must be a port number (1-65535), not ${JSON.stringify(flags.port)}.`);
  }
  return flags.port;
}

/** DYNO for --dyno, or undefined: heroku local sets none, and an app that sees DYNO believes it is on Heroku. */
function dynoFlag(flags: RunFlags, target: RunTarget): string | undefined {
  if (flags.dyno === undefined || flags.dyno === false) return undefined;
  // A one-off dyno (`heroku run`) is run.N.
  if (flags.dyno === true) return target.kind === 'process' ? `${target.name}.1` : 'run.1';
  if (!/^[A-Za-z0-9_-]+\.\d+$/.test(flags.dyno)) throw usage(`--dyno must look like a dyno name (web.1, worker.2, run.1), not ${JSON.stringify(flags.dyno)}.`);
  return flags.dyno;
}

export async function runCommand(dir: string, target: RunTarget, flags: RunFlags): Promise<number> {
  try {
    const port = portFlag(flags);
    const dyno = dynoFlag(flags, target);
    const { appDir, layersDir, configVars, layersAccess } = await resolveContext({
      appDir: dir,
      layersDir: flags.layersDir,
      envFlags: parseEnvFlags(flags.env ?? []),
    });
    // Only layers pybp made here, holding nothing it did not make, are run.
    const problem = layersAccess.problem;
    if (problem) throw new PybpError({ ...problem, fix: `${problem.fix.replace(/\.?$/, '.')} Then run \`pybp build\`.` });
    // Another app's layers (a shared --layers-dir) are not this app's to run in.
    const otherApp = otherAppProblem(appDir, layersDir, await readSidecar(layersDir));
    if (otherApp) throw new PybpError(otherApp);
    // heroku local's order: the .env file, under the config vars (config file `env`, then --env).
    const choice: EnvFileChoice =
      flags.envFileRead === false ? { kind: 'none' } : flags.envFile !== undefined ? { kind: 'named', file: flags.envFile } : { kind: 'app-default' };
    const envFile = await readEnvFile(appDir, choice);
    // The paths the last build's tools saw are the ones its venv names: run in the same view.
    const sandbox = await sandboxForBuild(appDir, layersDir);
    const env = await launchEnv(layersDir, process.env, { ...envFile.vars, ...configVars }, sandbox?.view.layers.view);
    if (sandbox) sandbox.writable = [env.HOME, env.TMPDIR].filter((d): d is string => !!d);

    let argv: string[];
    if (target.kind === 'process') {
      argv = ['bash', '-c', await procfileCommand(appDir, target.name)];
    } else {
      argv = target.argv;
    }
    if (dyno !== undefined) env.DYNO = dyno;
    // --port wins; else a PORT among the config vars (.env included); else heroku local's 5006.
    env.PORT = port ?? env.PORT ?? DEFAULT_PORT;
    if (envFile.file) writeGuarded(process.stderr, `pybp: read ${Object.keys(envFile.vars).length} config var(s) from ${inert(envFile.file)}\n`);
    // An interactive command (a REPL, `manage.py shell`) keeps its own stderr: passed through pybp,
    // the prompts and banner on stderr would drift out of order with stdout.
    const scanStderr = target.kind === 'process' || !process.stdin.isTTY;
    const tooLarge = execSizeProblem(argv, env);
    if (tooLarge) throw tooLarge;
    return await runChild(argv, appDir, env, scanStderr, flags, sandbox);
  } catch (err) {
    printFatal(err, flags);
    return isPybpError(err) && err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
  }
}

/**
 * The sandbox of a build made with Heroku's paths (its recorded layers path is
 * /layers/heroku_python), or null for a build with the host's. A heroku build
 * where bubblewrap no longer works is a coded error: its venv can't run outside.
 */
async function sandboxForBuild(appDir: string, layersDir: string): Promise<{ tools: SandboxSpec['tools']; view: SandboxSpec['view']; writable?: string[] } | null> {
  const read = await readSidecar(layersDir);
  if (!read.ok || read.sidecar?.layersDir !== HEROKU_LAYERS_PATH) return null;
  const available = await sandboxAvailability(process.env);
  if (!available.usable) throw pathsUnavailable(available.why, "The last build (made with Heroku's paths, which `pybp run` needs too)");
  return { tools: available.tools, view: pathView('heroku', appDir, layersDir) };
}

/** The Procfile's command for process type `name` (a shell command line, as on Heroku), or a coded error. */
async function procfileCommand(appDir: string, name: string): Promise<string> {
  const read = await readProcfile(appDir);
  const command = read.kind === 'found' ? processCommand(read.procfile, name) : null;
  if (command) return command;
  const file = path.join(appDir, PROCFILE);
  const isWeb = name === 'web';
  throw new PybpError({
    code: isWeb ? 'no-web-process' : 'no-process-type',
    title: isWeb ? 'No web process' : `No ${name} process`,
    message:
      read.kind === 'found'
        ? `${missingProcessReason(read.procfile, name, file)}.`
        : read.kind === 'missing'
          ? `There is no ${file}.`
          : `${read.reason} (${file}).`,
    fix: isWeb
      ? 'Add a Procfile with e.g. `web: gunicorn app:app`, or run a command: pybp run -- python app.py'
      : `Add a \`${name}: <command>\` line to the Procfile, or run a command: pybp run -- <command>`,
  });
}

/** Runs the process (engine/dyno/run-process.ts) and says how it ended: its exit code, and the missing-config-var hint. */
async function runChild(
  argv: string[],
  appDir: string,
  env: Record<string, string>,
  scanStderr: boolean,
  flags: RunFlags,
  sandbox: { tools: SandboxSpec['tools']; view: SandboxSpec['view']; writable?: string[] } | null,
): Promise<number> {
  watchStops();
  const end = await runDynoProcess({
    argv,
    cwd: sandbox ? sandbox.view.app.view : appDir,
    sandbox: sandbox ?? undefined,
    env,
    scanStderr,
    interactive: process.stdin.isTTY === true,
    onStderr: (chunk) => process.stderr.write(chunk),
  });
  if (end.kind === 'not-started') {
    printFatal(
      new PybpError({
        code: 'command-spawn-failed',
        title: `${argv[0]} could not be run`,
        // Not the PATH itself: config vars can set it, and no config var value is shown.
        message: inert(end.problem),
        fix: 'Check the command name; the launch PATH has the venv and python layers first.',
      }),
      flags,
    );
    return 127;
  }
  printMissingConfigHint(end.missing);
  return end.exitCode;
}

function printMissingConfigHint(missing: MissingConfigVar[]): void {
  if (missing.length === 0) return;
  const names = missing.map((m) => m.name);
  const list = names.join(', ');
  writeGuarded(
    process.stderr,
    `\n[Hint: the app stopped for a missing config var] (config-var-missing)\n` +
      `It exited because ${names.length === 1 ? `the config var ${list} is` : `the config vars ${list} are`} not set:\n` +
      missing.map((m) => `  ${inert(m.evidence)}\n`).join('') +
      `fix: put ${names.map((n) => `${n}=...`).join(' and ')} in the app's .env file (pybp run reads it, as heroku local does), ` +
      `or pass ${names.map((n) => `--env ${n}=...`).join(' ')}; on Heroku: heroku config:set ${names.map((n) => `${n}=...`).join(' ')}\n`,
  );
}
