#!/usr/bin/env node
// pybp's entry point. Only commander is imported up front; each command's
// module (and, for a terminal, Ink and React) is imported when it runs, so
// `--help`, `explain --json` and `doctor --json` start fast.
import { Command, CommanderError, Option } from 'commander';
import { EXIT_USAGE } from './commands/exit-codes.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document instead of the terminal UI')
    .option('--layers-dir <dir>', 'where the layers live (default: <app>/.pybp/layers)')
    .option('--env <KEY=VALUE>', 'an app config var, as on Heroku (repeatable)', collect, [])
    .option('--target <target>', 'build for heroku-22, heroku-24, heroku-26 (optionally /arm64) or distro-version/arch')
    .option('--config <file>', 'read this config file instead of searching the app dir')
    .addOption(new Option('--python-source <source>', 'where the interpreter comes from').choices(['auto', 'local', 'heroku']))
    .option('--no-color', 'no colours')
    .option('--debug', 'show stack traces of unexpected errors');
}

const program = new Command();
program
  .name('pybp')
  .description("Run the Heroku Python buildpack's build locally, without Docker, and say why each layer is reused or rebuilt.")
  .version('0.1.0')
  .showSuggestionAfterError()
  .exitOverride();

commonOptions(program.command('build').argument('[dir]', 'app directory', '.').description('build the app\'s layers as the buildpack would'))
  .option('--clear-cache', 'delete every layer first and build from nothing')
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

commonOptions(program.command('doctor').argument('[dir]', 'app directory', '.').description('check the app for everything that would fail or warn on Heroku'))
  .action(async (dir: string, flags) => {
    const { doctorCommand } = await import('./commands/doctor.js');
    process.exitCode = await doctorCommand(dir, flags);
  });

program
  .command('run')
  .argument('[dir]', 'app directory', '.')
  .argument('[command...]', 'the command to run, after --; or "web" for the Procfile\'s web process')
  .description('run a command (or the Procfile\'s web process) with the launch environment of the last build')
  .option('--layers-dir <dir>', 'where the layers live (default: <app>/.pybp/layers)')
  .option('--port <port>', 'PORT for the web process', '5000')
  .option('--env <KEY=VALUE>', 'an app config var (repeatable)', collect, [])
  .action(async (dir: string, command: string[], flags) => {
    // Everything after `--` is the command, even when no dir is given
    // (`pybp run -- python -V`): commander would take `python` as the dir.
    const dashdash = process.argv.indexOf('--');
    if (dashdash !== -1) {
      const after = process.argv.slice(dashdash + 1);
      const before = [dir, ...command].slice(0, [dir, ...command].length - after.length);
      dir = before[0] ?? '.';
      command = after;
    }
    const { runCommand } = await import('./commands/run.js');
    process.exitCode = await runCommand(dir, command, flags);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; every other commander error is bad usage.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
    // With --json, stdout is always one JSON document, even for bad usage.
    if (err.exitCode !== 0 && process.argv.includes('--json')) {
      const error = { code: 'usage', title: 'Bad usage', message: err.message.replace(/^error: /, ''), fix: 'See pybp --help.' };
      process.stdout.write(JSON.stringify({ error }, null, 2) + '\n');
    }
  } else {
    throw err;
  }
}
