// pybp's command line: the commands and their options. `main()` runs it; the
// bin (launcher.ts) loads this program and calls it. Only commander is
// imported up front; each command's module (and, for a terminal, Ink and
// React) is imported when it runs, so `--help`, `explain --json` and
// `doctor --json` start fast.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT_USAGE } from './commands/exit-codes.js';
import { jsonText } from './ui/json-text.js';

/** pybp's version is its package.json's (dist/cli.js and the bundles beside it → ../package.json, in a clone and in an install). */
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const collect = (value: string, previous: string[] = []) => [...previous, value];

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document instead of the terminal UI')
    .option('--layers-dir <dir>', 'where the layers live (default: <app>/.pybp/layers)')
    .option('--env <KEY=VALUE>', 'an app config var, as on Heroku (repeatable)', collect, [])
    .option('--target <target>', 'build for heroku-22, heroku-24, heroku-26 (optionally /arm64) or distro-version/arch')
    .option('--config <file>', 'read this config file instead of searching the app dir')
    .addOption(new Option('--python-source <source>', 'where the interpreter comes from').choices(['auto', 'local', 'heroku', 'uv']))
    .option('--host-config', 'build with your HOME and pip/uv/Poetry config, not the Heroku-clean environment')
    .addOption(new Option('--paths <paths>', "the paths the build's tools see: heroku (/layers/heroku_python, /workspace; Linux with bubblewrap, the default there) or host").choices(['heroku', 'host']))
    .option('--no-color', 'no colours')
    .option('--debug', 'show stack traces of unexpected errors');
}

const program = new Command();
program
  .name('pybp')
  .description("Run the Heroku Python buildpack's build locally, without Docker, and say why each layer is reused or rebuilt.")
  .version(version, '-V, --version', 'print pybp\'s version')
  .showSuggestionAfterError()
  .exitOverride();

commonOptions(program.command('build').argument('[dir]', 'app directory', '.').description('build the app\'s layers as the buildpack would'))
  .option('--clear-cache', 'delete every layer first and build from nothing')
  .option('--cache-dir <dir>', 'restore from and save to a shared cache directory in lifecycle\'s volume format (a CI cache step keeps it)')
  .option('--cache-image <ref>', 'restore from and save to a cache image in an OCI registry, as pack --cache-image')
  .option('--insecure-registry <host>', 'talk plain HTTP to this registry (loopback ones always are) (repeatable)', collect, [])
  .action(async (dir: string, flags) => {
    const { buildCommand } = await import('./commands/build.js');
    process.exitCode = await buildCommand(dir, flags);
  });

commonOptions(program.command('explain').argument('[dir]', 'app directory', '.').description('say what the next build would do with every layer, and why, without building'))
  .option('--last', 'show the last build: its decisions, reasons, times and sizes')
  .option('--build <n>', 'show build N of `pybp history`')
  .option('--python <version>', 'what if .python-version said this (e.g. 3.13); no file is changed')
  .addOption(new Option('--package-manager <pm>', 'what if the app used this package manager; no file is changed').choices(['pip', 'poetry', 'uv']))
  .option('--since <ref>', 'decide against the layers a build of this git ref would have left, not the local ones')
  .option('--exit-code', 'with --since: exit 1 when a layer the ref\'s build cached would be rebuilt, 0 when none would')
  .option('--cache-dir <dir>', 'say what the next build would take from this shared cache directory (reads only its metadata)')
  .option('--cache-image <ref>', 'say what the next build would take from this cache image (reads only its manifest and label)')
  .option('--insecure-registry <host>', 'talk plain HTTP to this registry (loopback ones always are) (repeatable)', collect, [])
  .action(async (dir: string, flags) => {
    if (flags.last || flags.build !== undefined) {
      const { lastBuildCommand } = await import('./commands/history.js');
      process.exitCode = await lastBuildCommand(dir, flags);
      return;
    }
    const { explainCommand } = await import('./commands/explain.js');
    process.exitCode = await explainCommand(dir, flags);
  });

program
  .command('history')
  .argument('[dir]', 'app directory', '.')
  .description('list the last builds: when, how they ended, how long they took, which layers they rebuilt')
  .option('--json', 'print one JSON document')
  .option('--layers-dir <dir>', 'where the layers live (default: <app>/.pybp/layers)')
  .option('--config <file>', 'read this config file instead of searching the app dir')
  .option('--no-color', 'no colours')
  .action(async (dir: string, flags) => {
    const { historyCommand } = await import('./commands/history.js');
    process.exitCode = await historyCommand(dir, flags);
  });

const cache = program.command('cache').description("what pybp keeps on this machine across apps: its layers directories and its own tool and interpreter caches");
cache
  .command('ls')
  .description('list every layers directory this user\'s pybp made (app, size, last build, whether the app still exists) and pybp\'s caches with their sizes')
  .option('--json', 'print one JSON document')
  .option('--no-color', 'no colours')
  .option('--debug', 'show stack traces of unexpected errors')
  .action(async (flags) => {
    const { cacheLsCommand } = await import('./commands/cache.js');
    process.exitCode = await cacheLsCommand(flags);
  });
cache
  .command('prune')
  .description('remove layers directories pybp made (by age or a missing app) and the cache entries none of the rest needs; says what first')
  .option('--older-than <age>', 'layers directories last built longer ago than this (30d, 2w, 12h, 90m); cache entries untouched as long')
  .option('--missing-apps', 'layers directories whose app directory no longer exists')
  .option('--yes', 'remove without asking (needed when there is no terminal to ask in)')
  .option('--dry-run', 'only say what would be removed')
  .option('--json', 'print one JSON document')
  .option('--no-color', 'no colours')
  .option('--debug', 'show stack traces of unexpected errors')
  .action(async (flags) => {
    const { cachePruneCommand } = await import('./commands/cache.js');
    process.exitCode = await cachePruneCommand(flags);
  });

commonOptions(program.command('doctor').argument('[dir]', 'app directory', '.').description('check the app for everything that would fail or warn on Heroku'))
  .option('--offline', "download nothing: a check that needs pybp's pinned uv, when it is not installed yet, says it could not check")
  .action(async (dir: string, flags) => {
    const { doctorCommand } = await import('./commands/doctor.js');
    process.exitCode = await doctorCommand(dir, flags);
  });

program
  .command('run')
  .argument('[dir]', 'app directory (default: .)')
  .argument('[process-or-command...]', 'a Procfile process type (default: web), or a command after --')
  .description('run a Procfile process (web, worker, release...) or a command as a dyno would, with the last build\'s launch environment and the app\'s .env')
  .option('--layers-dir <dir>', 'where the layers live (default: <app>/.pybp/layers)')
  .option('--port <port>', 'PORT for the process (default: PORT from the config vars, else 5006, as heroku local)')
  .option('--dyno [name]', 'set DYNO as on a real dyno (default name: <process>.1, run.1 for a command); heroku local sets none')
  .option('--env <KEY=VALUE>', 'an app config var; wins over the config file and .env (repeatable)', collect, [])
  .option('--env-file <file>', 'read config vars from this file instead of the app\'s .env')
  .option('--no-env-file', 'do not read the app\'s .env')
  .option('--debug', 'show stack traces of unexpected errors')
  .action(async (dir: string | undefined, rest: string[], flags) => {
    // Everything after `--` is the command, even when no dir is given
    // (`pybp run -- python -V`): commander would take `python` as the dir.
    const words = dir === undefined ? rest : [dir, ...rest];
    const dashdash = process.argv.indexOf('--');
    const after = dashdash === -1 ? null : process.argv.slice(dashdash + 1);
    const positionals = after === null ? words : words.slice(0, words.length - after.length);
    const { runFromArgs } = await import('./commands/run.js');
    // commander's --env-file / --no-env-file pair: envFile is the path, or false for --no-env-file.
    const envFile = flags.envFile === false ? undefined : (flags.envFile as string | undefined);
    process.exitCode = await runFromArgs(positionals, after, { ...flags, envFile, envFileRead: flags.envFile !== false });
  });

/** Runs the command in process.argv; sets process.exitCode. */
export async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is bad usage.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      // With --json, stdout is always one JSON document, even for bad usage.
      if (err.exitCode !== 0 && process.argv.includes('--json')) {
        const error = { code: 'usage', title: 'Bad usage', message: err.message.replace(/^error: /, ''), fix: 'See pybp --help.' };
        process.stdout.write(jsonText({ error }));
      }
    } else {
      throw err;
    }
  }
}
